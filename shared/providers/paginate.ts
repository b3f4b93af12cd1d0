import { ProviderResponseError } from './errors.ts';

export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_page: string | null;
}

/**
 * Both providers page with `has_more` / `next_page` (sent back as `page`). A page that claims more
 * but gives no cursor, or repeats a cursor, is an error rather than an endless loop.
 */
export async function* paginate<T>(
  provider: string,
  what: string,
  fetchPage: (page: string | undefined) => Promise<Page<T>>,
): AsyncGenerator<T> {
  const seen = new Set<string>();
  let page: string | undefined;
  for (;;) {
    const body = await fetchPage(page);
    yield* body.data;
    if (!body.has_more) return;
    if (!body.next_page)
      throw new ProviderResponseError(provider, `${what}: has_more is true but next_page is null`);
    if (seen.has(body.next_page))
      throw new ProviderResponseError(provider, `${what}: next_page repeats (${body.next_page})`);
    seen.add(body.next_page);
    page = body.next_page;
  }
}
