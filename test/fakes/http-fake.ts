// The fakes live in shared/local/fakes: `npm start` serves its demo from them too.
export * from '../../shared/local/fakes/http-fake.ts';
