module.exports = async function globalTeardown() {
  const started = globalThis.__TENANTRY_CONTAINERS__ ?? [];
  await Promise.all(started.map((container) => container.stop()));
};
