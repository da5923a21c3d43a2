module.exports = {
  displayName: 'observability-service',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
