import type { ProjectDirectory, ProjectInfo } from '../../ports.ts';
import type { HttpOptions } from '../http.ts';
import { sendJson } from '../http-request.ts';
import { collectIdPages } from '../id-pages.ts';
import { OPENAI, type OpenAiAdminOptions, openAiAdminHttp } from './admin-http.ts';
import { type OpenAiProject, projectListSchema } from './admin-schemas.ts';

/** The most projects one page may ask for ("limit can range between 1 and 100"). */
export const OPENAI_PROJECTS_PAGE = 100;

/**
 * `GET /v1/organization/projects?include_archived=true&limit=100`, following `after` = `last_id`
 * while `has_more` (there is no `before`). Archived projects are included: their past costs still
 * carry their ids. The Default project is an ordinary `proj_…` project here.
 */
export class OpenAiProjectDirectory implements ProjectDirectory {
  private readonly http: HttpOptions;
  private readonly baseUrl: string;
  private readonly pageSize: number;

  /** `pageSize` below 100 only to exercise pagination in tests. */
  constructor(options: OpenAiAdminOptions & { pageSize?: number }) {
    const { pageSize, ...rest } = options;
    ({ http: this.http, baseUrl: this.baseUrl } = openAiAdminHttp(rest));
    this.pageSize = pageSize ?? OPENAI_PROJECTS_PAGE;
  }

  async listProjects(): Promise<ProjectInfo[]> {
    const what = 'openai projects';
    const projects = await collectIdPages(OPENAI, what, async (after) => {
      const url = new URL(`${this.baseUrl}/organization/projects`);
      url.searchParams.set('include_archived', 'true');
      url.searchParams.set('limit', String(this.pageSize));
      if (after) url.searchParams.set('after', after);
      return sendJson({ method: 'GET', url, what, schema: projectListSchema }, this.http);
    });
    return projects.map(projectInfo);
  }
}

function projectInfo(p: OpenAiProject): ProjectInfo {
  const archived = p.status === 'archived' || (p.archived_at !== null && p.archived_at !== undefined);
  return {
    id: p.id,
    name: p.name || p.id,
    status: p.status ?? (archived ? 'archived' : 'active'),
    archived,
  };
}
