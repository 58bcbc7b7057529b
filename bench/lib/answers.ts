import type { FakeTokenEndpoint, TokenPost } from "../../test/support/fake-token-endpoint.js";

/**
 * The exact moment the fake token endpoint answers a request. The harness records every request in
 * `endpoint.posts` and sets `post.status` right before it writes the answer; we wrap `posts.push`
 * so each new record gets a `status` setter that calls us at that instant. No change to the fake.
 */

export interface TokenAnswer {
  post: TokenPost;
  status: number;
  /** Date.now() when the endpoint answered. */
  at: number;
  /** performance.now() at the same moment, for sub-millisecond intervals inside this process. */
  hr: number;
  /** The access token this answer carried (status 200 only): the newest one the fake issued. */
  accessToken?: string;
  refreshToken?: string;
}

export function watchAnswers(endpoint: FakeTokenEndpoint, onAnswer: (answer: TokenAnswer) => void): void {
  const posts = endpoint.posts;
  const push = posts.push.bind(posts);
  posts.push = (...items: TokenPost[]): number => {
    for (const post of items) instrument(post);
    return push(...items);
  };

  function instrument(post: TokenPost): void {
    let status = post.status;
    Object.defineProperty(post, "status", {
      configurable: true,
      enumerable: true,
      get: () => status,
      set: (value: number) => {
        status = value;
        if (value === 0) return;
        const hr = performance.now();
        const at = Date.now();
        const answer: TokenAnswer = { post, status: value, at, hr };
        if (value === 200) {
          const access = endpoint.issuedAccessTokens.at(-1);
          const refresh = endpoint.issuedRefreshTokens.at(-1);
          if (access) answer.accessToken = access;
          if (refresh) answer.refreshToken = refresh;
        }
        onAnswer(answer);
      },
    });
  }
}
