// The public surface of @sigstack/client: see README.md.
export {};
