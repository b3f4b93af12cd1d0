import type { APIGatewayProxyStructuredResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
import type { GuardRequest } from './handler.ts';
import type { GuardResponse } from './page-shell.ts';

/** A Lambda Function URL event (payload format 2.0) as the guard's request. */
export function fromFunctionUrlEvent(event: LambdaFunctionURLEvent): GuardRequest {
  const body =
    event.body === undefined
      ? undefined
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  return {
    method: event.requestContext.http.method,
    path: event.rawPath || '/',
    query: new URLSearchParams(event.rawQueryString ?? ''),
    body,
    contentType: event.headers?.['content-type'],
  };
}

export function toFunctionUrlResult(response: GuardResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: response.status, headers: response.headers, body: response.body };
}
