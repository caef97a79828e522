// The public surface of @sigstack/fulcio (filled in as the package grows).
export {};
