module.exports = {
  displayName: 'billing-service',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
