module.exports = {
  displayName: 'tenants-service',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
