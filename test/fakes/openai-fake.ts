export * from '../../shared/local/fakes/openai-fake.ts';
