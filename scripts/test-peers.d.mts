export const CHROMIUM: string;
export function chromiumProblem(): string | undefined;
export function userNamespaceProblem(): string | undefined;
export const REQUIRE_ALL: boolean;
