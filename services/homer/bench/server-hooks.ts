// Preloaded into every measured server (node --expose-gc --import): SIGUSR2
// runs a full garbage collection, so memory is read without garbage from the
// handshakes in it; SIGTERM exits at once (no drain), which also writes the
// profile when BENCH_CPU_PROF asked for one.
process.on('SIGUSR2', () => (globalThis as { gc?: () => void }).gc?.());
process.on('SIGTERM', () => process.exit(0));
