import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';

/** Clients for the local emulators: any credentials do, the region is fixed. */
const local = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

export const localDynamoClient = (endpoint: string) => new DynamoDBClient({ ...local, endpoint });
export const localSesClient = (endpoint: string) => new SESv2Client({ ...local, endpoint });
