module.exports = {
  displayName: 'event-bus',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
