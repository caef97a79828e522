// The public surface of @sigstack/ctlog (filled in as the package grows).
export {};
