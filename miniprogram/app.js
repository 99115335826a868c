App({
  globalData: {
    graduate: null
  }
});
