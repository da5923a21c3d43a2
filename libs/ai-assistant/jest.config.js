module.exports = {
  displayName: 'ai-assistant-service',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
