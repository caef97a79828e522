// The public surface of @sigstack/tuf (filled in as the package grows).
export {};
