export * from '../../shared/local/fakes/anthropic-fake.ts';
