/**
 * Every page of app.json renders from API responses recorded from the real backend
 * (tests/miniprogram/test_record_api.py), through the official WXML compiler.
 */
var fs = require('fs');
var path = require('path');
var h = require('./harness');

var APP = JSON.parse(fs.readFileSync(path.join(h.ROOT, 'app.json'), 'utf8'));

function signedIn(names) {
  var wx = h.createWx();
  wx.setStorageSync('token', 'wxg_RECORDED_TOKEN');
  wx.setStorageSync('token_expires_at', '2099-01-01T00:00:00+08:00');
  if (names) wx.serve.apply(wx, names);
  return wx;
}

/** route → how to open it and what it must show. */
var CASES = {
  'pages/login/login': {
    wx: function () { return h.createWx(); },
    shows: ['用绑定码绑定', 'https://job.example.edu.cn/graduate/bind-code', '或用账号密码绑定']
  },
  'pages/basic-info/basic-info': {
    wx: function () { return signedIn(['me_unconfirmed']); },
    shows: ['王小明']
  },
  'pages/modules/modules': {
    wx: function () { return signedIn(['modules']); },
    shows: ['毕业去向填报', '档案信息登记', '需完成毕业去向上报后才能确认']
  },
  'pages/destination/destination': {
    wx: function () { return signedIn(['destination_home', 'message_templates']); },
    shows: ['等待应约', '退回修改', '北京示例科技有限公司']
  },
  'pages/kinds/kinds': {
    query: { group: 'other_employment', label: encodeURIComponent('其他形式就业') },
    wx: function () { return signedIn(['destination_kinds']); },
    shows: ['签劳动合同就业']
  },
  'pages/record-form/record-form': {
    query: { id: '1' },
    wx: function () { return signedIn(['destination_kinds', 'record_draft', 'file_download']); },
    shows: ['单位名称', '已上传 1 张'],
    values: { unit_name: '北京示例科技有限公司', position: '软件工程师' }
  },
  'pages/record/record': {
    query: { id: '1' },
    wx: function () { return signedIn(['record_returned', 'file_download']); },
    shows: ['退回修改', '劳动合同缺少签字页']
  },
  'pages/agreement/agreement': {
    query: { id: '3' },
    wx: function () { return signedIn(['agreement_signed']); },
    shows: ['签约完成', '北京示例科技有限公司']
  },
  'pages/offline-form/offline-form': {
    query: { mode: 'eagreement' },
    wx: function () { return signedIn(['offline_form']); },
    shows: ['用人单位信息', '统一社会信用代码', '签约信息', '协议补充内容', '0/1000']
  },
  'pages/offline/offline': {
    query: { id: '1' },
    wx: function () { return signedIn(['offline_passed', 'file_download']); },
    shows: ['就业协议审核通过', '点击下载电子协议书', '本人回传协议书', '用人单位协助回传协议书']
  },
  'pages/offline-termination/offline-termination': {
    query: { id: '1' },
    wx: function () {
      var wx = signedIn(['offline_form', 'offline_termination_draft']);
      h.recording('offline_termination_draft').body.files.forEach(function (f) {
        wx.serveAt('GET', f.url.replace('/api/v1', ''), 'file_download');  // the letter's thumbnail
      });
      return wx;
    },
    shows: ['解约原因', '双方协商一致解除', '上传解约函', '提交']
  },
  'pages/transfer/transfer': {
    query: { module: 'archive' },
    wx: function () { return signedIn(['transfer_archive_approved']); },
    shows: ['档案信息', '来源：档案信息登记', '北京市东城区人才服务中心', '档案信息修改', '申请记录', '审核通过']
  },
  'pages/transfer-form/transfer-form': {
    query: { module: 'archive', purpose: 'registration' },
    wx: function () { return signedIn(['transfer_archive_empty', 'regions']); },
    shows: ['档案信息登记', '档案转递类型', '找不到时直接填写', '点击选择省市区', '0/200', '图像材料（最多上传3张图片）', '保存', '提交']
  },
  'pages/termination/termination': {
    query: { id: '1' },
    wx: function () { return signedIn(['termination']); },
    shows: ['等待对方回应']
  },
  'pages/confirmation/confirmation': {
    wx: function () { return signedIn(['confirmation_open']); },
    shows: ['钱进', '毕业去向', '签劳动合同就业', '以上毕业去向信息于2026年06月01日上报', '信息无误，确认登记去向',
      '信息有误，需更新后确认', '提交', '违反“四不准”行为举报']
  },
  'pages/violation-report/violation-report': {
    wx: function () { return signedIn(['violation_form_with_report']); },
    shows: ['以任何方式强迫毕业生签订就业协议和劳动合同', '被举报单位或部门', '情况说明', '0/500', '我的举报', '待处理']
  },
  'pages/verification/verification': {
    wx: function () { return signedIn(['verifications_active']); },
    shows: ['档案信息核验', '户口信息核验', 'AREC-ORDE-D000-1P', '2026年12月31日 23:59:59', '生效中', '查看/下载信息表', '提前结束']
  }
};

beforeEach(function () { h.resetStack(); h.atRecordingTime(); });
afterEach(function () { jest.restoreAllMocks(); });

test('every page of app.json has a render case', function () {
  expect(Object.keys(CASES).sort()).toEqual(APP.pages.slice().sort());
});

APP.pages.forEach(function (route) {
  test('renders ' + route + ' from recorded API responses', async function () {
    var c = CASES[route];
    var r = await h.loadPage(route, c.query || {}, c.wx());
    var text = h.text(r.comp);
    c.shows.forEach(function (s) { expect(text).toContain(s); });
    Object.keys(c.values || {}).forEach(function (k) {
      var f = r.page.data.fields.filter(function (x) { return x.key === k; })[0];
      expect(f.value).toBe(c.values[k]);
    });
    expect(r.wx.requests().length).toBeGreaterThan(0);
    expect(r.wx.misses).toEqual([]);
    // nothing shown as a load error
    expect(r.page.data.message || '').toBe('');
  });
});

test('agreement page renders a waiting invitation with its answers', async function () {
  var r = await h.loadPage('pages/agreement/agreement', { id: '3' }, signedIn(['agreement_waiting']));
  var text = h.text(r.comp);
  expect(text).toContain('等待应约');
  expect(r.page.data.actions.map(function (a) { return a.key; })).toEqual(expect.arrayContaining(['accept', 'decline']));
});

test('destination page renders the signed agreement and the termination', async function () {
  var r = await h.loadPage('pages/destination/destination', {}, signedIn(['destination_home_signed', 'message_templates']));
  var text = h.text(r.comp);
  expect(text).toContain('签约完成');
  expect(text).toContain('等待对方回应');
  expect(text).toContain('已拒绝');
});
