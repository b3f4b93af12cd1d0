import { ProviderResponseError } from './errors.ts';

export interface IdPage<T> {
  data: T[];
  has_more?: boolean | null | undefined;
  last_id?: string | null | undefined;
}

/**
 * The list endpoints (OpenAI projects, Anthropic workspaces and API keys) page by object id: the
 * next page is asked for `after` (OpenAI) / `after_id` (Anthropic) = the previous page's `last_id`
 * while `has_more`. Ids are passed back verbatim, never checked against a pattern (OpenAI's own
 * example pairs id `proj_abc` with `first_id` `proj-abc`). A page that claims more but gives no
 * `last_id`, or repeats one, is an error rather than an endless loop.
 */
export async function collectIdPages<T>(
  provider: string,
  what: string,
  fetchPage: (after: string | undefined) => Promise<IdPage<T>>,
): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const page = await fetchPage(after);
    out.push(...page.data);
    if (!page.has_more) return out;
    if (!page.last_id)
      throw new ProviderResponseError(provider, `${what}: last_id: has_more is true but last_id is null`);
    if (seen.has(page.last_id))
      throw new ProviderResponseError(provider, `${what}: last_id: repeats (${page.last_id})`);
    seen.add(page.last_id);
    after = page.last_id;
  }
}
