import { DEFAULT_WORKSPACE, type ProjectDirectory, type ProjectInfo } from '../../ports.ts';
import type { HttpOptions } from '../http.ts';
import { sendJson } from '../http-request.ts';
import { collectIdPages } from '../id-pages.ts';
import { ANTHROPIC, type AnthropicAdminOptions, anthropicAdminHttp } from './admin-http.ts';
import { workspaceListSchema } from './admin-schemas.ts';

/** The most workspaces one page may ask for (the API allows 1-1000; an org has at most 100 active). */
export const ANTHROPIC_WORKSPACES_PAGE = 100;

/**
 * `GET /v1/organizations/workspaces?include_archived=true&limit=100`, following `after_id` =
 * `last_id` while `has_more`. The default workspace "has no ID and doesn't appear in list
 * endpoints", so it is added as `{ id: 'default', name: 'Default workspace' }`; its usage and costs
 * come with `workspace_id: null`, which the cost booking keeps under NO_SCOPE ('(none)').
 */
export class AnthropicWorkspaceDirectory implements ProjectDirectory {
  private readonly http: HttpOptions;
  private readonly baseUrl: string;
  private readonly pageSize: number;

  /** `pageSize` below 100 only to exercise pagination in tests. */
  constructor(options: AnthropicAdminOptions & { pageSize?: number }) {
    const { pageSize, ...rest } = options;
    ({ http: this.http, baseUrl: this.baseUrl } = anthropicAdminHttp(rest));
    this.pageSize = pageSize ?? ANTHROPIC_WORKSPACES_PAGE;
  }

  async listProjects(): Promise<ProjectInfo[]> {
    const what = 'anthropic workspaces';
    const workspaces = await collectIdPages(ANTHROPIC, what, (after) => {
      const url = new URL(`${this.baseUrl}/organizations/workspaces`);
      url.searchParams.set('include_archived', 'true');
      url.searchParams.set('limit', String(this.pageSize));
      if (after) url.searchParams.set('after_id', after);
      return sendJson({ method: 'GET', url, what, schema: workspaceListSchema }, this.http);
    });
    const listed = workspaces.map((w): ProjectInfo => {
      const archived = w.archived_at !== null && w.archived_at !== undefined;
      return { id: w.id, name: w.name || w.id, status: archived ? 'archived' : 'active', archived };
    });
    const synthetic: ProjectInfo = {
      id: DEFAULT_WORKSPACE,
      name: 'Default workspace',
      status: 'active',
      archived: false,
    };
    return [synthetic, ...listed.filter((w) => w.id !== DEFAULT_WORKSPACE)];
  }
}
