// The query every run an operator follows step by step answers; the API's live streams poll it.
// Apart from the progress schemas (progress.ts) so that workflow code, which needs this name,
// bundles no zod: the workflows use those schemas' types only.

export const progressQueryName = 'progress';
