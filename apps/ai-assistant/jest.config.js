module.exports = {
  displayName: 'ai-assistant',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
