/**
 * 去向登记确认 (§7, figs. 40–42) and the 四不准 report (CF-6), over responses recorded from the real
 * backend (tests/miniprogram/test_record_api.py: 钱进, reported by the school at 09:51).
 */
var h = require('./harness');

function signedIn(names) {
  var wx = h.createWx();
  wx.setStorageSync('token', 'wxg_RECORDED_TOKEN');
  wx.setStorageSync('token_expires_at', '2099-01-01T00:00:00+08:00');
  if (names) wx.serve.apply(wx, names);
  return wx;
}

function requests(wx) {
  return wx.called('request').map(function (o) {
    return (o.method || 'GET') + ' ' + o.url.replace(/^.*\/api\/v1/, '');
  });
}

function posted(wx, p) {
  return wx.called('request').filter(function (o) { return o.method === 'POST' && /\/api\/v1(.*)$/.exec(o.url)[1] === p; })
    .map(function (o) { return o.data; });
}

function input(page, handler, key, value) {
  page[handler]({ currentTarget: { dataset: { key: key } }, detail: { value: value } });
}

function el(comp, selector) { return comp.querySelector(selector); }
function textOf(comp, selector) { return el(comp, selector).dom.textContent.replace(/\s+/g, ' ').trim(); }

beforeEach(function () { h.resetStack(); h.atRecordingTime(); });
afterEach(function () { jest.restoreAllMocks(); });

var FIG40_ROWS = ['毕业去向', '档案转递类型', '档案转递单位名称', '档案转递单位所在地', '户口迁移类型', '户口迁移所在地'];

// --- CF-1: what was reported; locked before the report ----------------------------------------------

test('CF-1, GW-1: the page shows the reported rows of fig. 40, the report date and the two answers', async function () {
  var wx = signedIn(['confirmation_open']);
  var r = await h.loadPage('pages/confirmation/confirmation', {}, wx);
  var report = textOf(r.comp, '#report');
  FIG40_ROWS.forEach(function (label) { expect(report).toContain(label); });
  h.recording('confirmation_open').body.report.rows.forEach(function (row) { expect(report).toContain(row.label + row.value); });
  expect(report).toContain('钱进');
  expect(textOf(r.comp, '#note')).toBe('以上毕业去向信息于2026年06月01日上报，请根据实际情况，认真核对确认。');
  expect(textOf(r.comp, '#state-tag')).toBe('待确认');
  expect(textOf(r.comp, '#choice-confirm')).toContain('信息无误，确认登记去向');
  expect(textOf(r.comp, '#choice-error')).toContain('信息有误，需更新后确认');
  expect(el(r.comp, '#error-form')).toBeFalsy();  // fig. 41 only after 信息有误
  expect(requests(wx)).toEqual(['GET /confirmation']);
  expect(wx.misses).toEqual([]);
});

test('CF-1: before the school reports, the page only says why; no answer can be given', async function () {
  var r = await h.loadPage('pages/confirmation/confirmation', {}, signedIn(['confirmation_locked']));
  expect(textOf(r.comp, '#locked')).toContain(h.recording('confirmation_locked').body.reason);
  expect(el(r.comp, '#report')).toBeFalsy();
  expect(el(r.comp, '#answer-form')).toBeFalsy();
  expect(el(r.comp, '#violation-link')).toBeTruthy();  // CF-6 is open to every graduate
});

test('CF-6: the page links to the 四不准 report form', async function () {
  var wx = signedIn(['confirmation_open']);
  var r = await h.loadPage('pages/confirmation/confirmation', {}, wx);
  expect(textOf(r.comp, '#violation-link')).toContain('违反“四不准”行为举报');
  await h.tap(r.comp, '#violation-link');
  expect(wx.called('navigateTo').map(function (o) { return o.url; })).toEqual(['/pages/violation-report/violation-report']);
});

// --- CF-2 ---------------------------------------------------------------------------------------

test('CF-2: 信息无误 → confirm dialog → POST /confirmation/confirm with the report shown; the page turns 已确认', async function () {
  var wx = signedIn(['confirmation_open']);
  var r = await h.loadPage('pages/confirmation/confirmation', {}, wx);
  await h.tap(r.comp, '#submit');  // nothing chosen yet: said so, nothing sent
  expect(textOf(r.comp, '#message')).toContain('请确认您的去向登记信息');
  await h.tap(r.comp, '#choice-confirm');
  await h.tap(r.comp, '#submit');
  await h.flush();
  expect(wx.called('showModal')[0].content).toContain('确认后可进行核验授权');
  expect(posted(wx, '/confirmation/confirm')).toEqual([{ report_id: h.recording('confirmation_open').body.report.id }]);
  expect(textOf(r.comp, '#confirmed')).toContain('你已确认登记去向');
  expect(textOf(r.comp, '#state-tag')).toBe('已确认');
  expect(el(r.comp, '#answer-form')).toBeFalsy();
  await h.tap(r.comp, '#to-verification');  // VA-1: the next step
  expect(wx.called('navigateTo').map(function (o) { return o.url; })).toEqual(['/pages/verification/verification']);
});

test('CF-2: cancelling the dialog sends nothing', async function () {
  var wx = signedIn(['confirmation_open']);
  wx.modalConfirm = false;
  var r = await h.loadPage('pages/confirmation/confirmation', {}, wx);
  await h.tap(r.comp, '#choice-confirm');
  await h.tap(r.comp, '#submit');
  expect(posted(wx, '/confirmation/confirm')).toEqual([]);
  expect(el(r.comp, '#answer-form')).toBeTruthy();
});

test('CF-2, CF-5: a graduate already confirmed sees 已确认 and no form', async function () {
  var r = await h.loadPage('pages/confirmation/confirmation', {}, signedIn(['confirmation_confirmed']));
  expect(textOf(r.comp, '#confirmed')).toContain('你已确认登记去向');
  expect(el(r.comp, '#answer-form')).toBeFalsy();
  expect(el(r.comp, '#revoke')).toBeFalsy();
});

// --- CF-3: fig. 41 --------------------------------------------------------------------------------

test('CF-3: 信息有误 opens fig. 41 — 有变化/有错误, the two checkboxes, a 0/500 counter per chosen kind, 联系方式', async function () {
  var wx = signedIn(['confirmation_open']);
  var r = await h.loadPage('pages/confirmation/confirmation', {}, wx);
  await h.tap(r.comp, '#choice-error');
  var form = textOf(r.comp, '#error-form');
  ['您的错误信息情况', '毕业去向信息', '有变化', '有错误', '档案转递信息有变化或存在错误', '户口迁移信息有变化或存在错误',
    '联系方式', '请您按之前的登记方式更新为正确信息'].forEach(function (s) { expect(form).toContain(s); });
  expect(el(r.comp, '#field-destination_explanation')).toBeFalsy();  // no kind chosen: no explanation asked

  await h.tap(r.comp, '#dest-changed');
  expect(textOf(r.comp, '#field-destination_explanation')).toContain('去向情况说明');
  expect(textOf(r.comp, '#counter-destination_explanation')).toBe('0/500');
  input(r.page, 'onExplanation', 'destination_explanation', '  已改签另一家单位  ');
  await h.flush();
  expect(textOf(r.comp, '#counter-destination_explanation')).toBe('8/500');  // trimmed, as the backend counts
  await h.tap(r.comp, '#dest-wrong');
  expect(r.page.data.form.destination).toBe('wrong');
  await h.tap(r.comp, '#dest-wrong');  // tapping the chosen one again: the destination is not wrong after all
  expect(r.page.data.form.destination).toBe('');
  expect(el(r.comp, '#field-destination_explanation')).toBeFalsy();

  await h.tap(r.comp, '#check-hukou');
  expect(textOf(r.comp, '#field-hukou_explanation')).toContain('户口情况说明');
  expect(textOf(r.comp, '#counter-hukou_explanation')).toBe('0/500');
  expect(wx.misses).toEqual([]);
});

test('CF-3: the API field errors show under each field and what was typed stays', async function () {
  var wx = signedIn(['confirmation_open', 'confirmation_errors_invalid']);
  var r = await h.loadPage('pages/confirmation/confirmation', {}, wx);
  await h.tap(r.comp, '#choice-error');
  await h.tap(r.comp, '#dest-changed');
  await h.tap(r.comp, '#check-archive');
  input(r.page, 'onExplanation', 'destination_explanation', '已改签另一家单位');
  r.page.onMobile({ detail: { value: '1391234' } });
  await h.flush();
  await h.tap(r.comp, '#submit');
  expect(posted(wx, '/confirmation/errors')).toEqual([{
    report_id: 7, destination: 'changed', archive: true, hukou: false, mobile: '1391234',
    destination_explanation: '已改签另一家单位', archive_explanation: ''
  }]);
  var fields = h.recording('confirmation_errors_invalid').body.error.fields;
  expect(textOf(r.comp, '#error-archive_explanation')).toBe(fields.archive_explanation);
  expect(textOf(r.comp, '#error-mobile')).toBe(fields.mobile);
  expect(el(r.comp, '#error-destination_explanation')).toBeFalsy();
  expect(textOf(r.comp, '#message')).toBe(h.recording('confirmation_errors_invalid').body.error.message);
  expect(r.page.data.form.destination_explanation).toBe('已改签另一家单位');
  expect(r.page.data.form.mobile).toBe('1391234');
  // typing into a field clears its error only
  input(r.page, 'onExplanation', 'archive_explanation', '档案改转新单位');
  await h.flush();
  expect(el(r.comp, '#error-archive_explanation')).toBeFalsy();
  expect(el(r.comp, '#error-mobile')).toBeTruthy();
});

test('CF-3: with no kind chosen the API says so above the kinds', async function () {
  var wx = signedIn(['confirmation_open', 'confirmation_errors_no_kind']);
  var r = await h.loadPage('pages/confirmation/confirmation', {}, wx);
  await h.tap(r.comp, '#choice-error');
  await h.tap(r.comp, '#submit');
  expect(textOf(r.comp, '#error-kinds')).toBe(h.recording('confirmation_errors_no_kind').body.error.fields.kinds);
});

test('CF-3: a 情况说明 over 500 characters turns the counter red and is not sent', async function () {
  var wx = signedIn(['confirmation_open']);
  var r = await h.loadPage('pages/confirmation/confirmation', {}, wx);
  await h.tap(r.comp, '#choice-error');
  await h.tap(r.comp, '#check-archive');
  input(r.page, 'onExplanation', 'archive_explanation', '档'.repeat(501));
  await h.flush();
  var c = el(r.comp, '#counter-archive_explanation');
  expect(c.dom.textContent).toBe('501/500');
  expect(c.dom.className).toContain('counter-over');
  await h.tap(r.comp, '#submit');
  expect(posted(wx, '/confirmation/errors')).toEqual([]);
  expect(textOf(r.comp, '#message')).toContain('不能超过500字');
  input(r.page, 'onExplanation', 'archive_explanation', '档'.repeat(500));
  await h.flush();
  expect(el(r.comp, '#counter-archive_explanation').dom.className).not.toContain('counter-over');
});

test('CF-3: a valid error report is sent and the page shows what was reported (fig. 42)', async function () {
  var wx = signedIn(['confirmation_open']);
  var r = await h.loadPage('pages/confirmation/confirmation', {}, wx);
  await h.tap(r.comp, '#choice-error');
  await h.tap(r.comp, '#dest-changed');
  await h.tap(r.comp, '#check-archive');
  input(r.page, 'onExplanation', 'destination_explanation', '已改签另一家单位');
  input(r.page, 'onExplanation', 'archive_explanation', '档案改转新单位');
  r.page.onMobile({ detail: { value: '13912345678' } });
  await h.flush();
  await h.tap(r.comp, '#submit');
  expect(posted(wx, '/confirmation/errors')[0]).toEqual(expect.objectContaining({ destination: 'changed', archive: true, mobile: '13912345678' }));
  var answer = textOf(r.comp, '#answer');
  ['毕业去向信息有变化', '已改签另一家单位', '档案转递信息有变化或存在错误', '档案改转新单位', '13912345678'].forEach(function (s) {
    expect(answer).toContain(s);
  });
  expect(textOf(r.comp, '#state-tag')).toBe('信息有误');
  expect(el(r.comp, '#answer-form')).toBeFalsy();
});

// --- CF-4: fig. 42 ----------------------------------------------------------------------------------

test('CF-4: 实际信息无误，撤销确认 → the page is open again with 信息无误 chosen; then confirm', async function () {
  var wx = signedIn(['confirmation_error']);
  var r = await h.loadPage('pages/confirmation/confirmation', {}, wx);
  expect(textOf(r.comp, '#answer')).toContain(h.recording('confirmation_error').body.message);
  expect(textOf(r.comp, '#revoke')).toBe('实际信息无误，撤销确认');
  expect(el(r.comp, '#answer-form')).toBeFalsy();
  await h.tap(r.comp, '#revoke');
  await h.flush();
  expect(wx.called('showModal')[0].content).toContain('撤销');
  expect(posted(wx, '/confirmation/revoke')).toHaveLength(1);
  expect(el(r.comp, '#answer')).toBeFalsy();
  expect(r.page.data.choice).toBe('confirm');
  await h.tap(r.comp, '#submit');
  await h.flush();
  expect(posted(wx, '/confirmation/confirm')).toHaveLength(1);
  expect(el(r.comp, '#confirmed')).toBeTruthy();
  expect(requests(wx)).toEqual(['GET /confirmation', 'POST /confirmation/revoke', 'POST /confirmation/confirm']);
});

// --- CF-5 ---------------------------------------------------------------------------------------------

test('CF-5: info changed after the report — wait for the next report; nothing to answer', async function () {
  var r = await h.loadPage('pages/confirmation/confirmation', {}, signedIn(['confirmation_awaiting_report']));
  expect(textOf(r.comp, '#awaiting')).toContain('待学校重新上报后再进行确认');
  expect(textOf(r.comp, '#state-tag')).toBe('待重新上报');
  expect(el(r.comp, '#answer-form')).toBeFalsy();
});

test('CF-2: a 409 (already confirmed elsewhere, or reported again) is explained and the page reloads', async function () {
  var wx = signedIn(['confirmation_open', 'confirmation_confirm_conflict']);
  var r = await h.loadPage('pages/confirmation/confirmation', {}, wx);
  await h.tap(r.comp, '#choice-confirm');
  await h.tap(r.comp, '#submit');
  await h.flush();
  expect(wx.called('showModal').map(function (o) { return o.content; }))
    .toContain(h.recording('confirmation_confirm_conflict').body.error.message);
  expect(requests(wx)).toEqual(['GET /confirmation', 'POST /confirmation/confirm', 'GET /confirmation']);
});

// --- CF-6: the 四不准 report ----------------------------------------------------------------------------

test('CF-6: the report form — four kinds, 被举报单位或部门, 情况说明 n/500, optional mobile, the notice, no reports yet', async function () {
  var wx = signedIn(['violation_form']);
  var r = await h.loadPage('pages/violation-report/violation-report', {}, wx);
  var spec = h.recording('violation_form').body;
  expect(textOf(r.comp, '#notice')).toBe(spec.notice);
  spec.kinds.forEach(function (k) { expect(textOf(r.comp, '#kind-' + k.key)).toContain(k.label); });
  expect(spec.kinds).toHaveLength(4);
  expect(textOf(r.comp, '#field-party')).toContain('被举报单位或部门');
  expect(textOf(r.comp, '#counter-description')).toBe('0/500');
  expect(textOf(r.comp, '#field-mobile')).toContain('联系方式');
  expect(textOf(r.comp, '#field-mobile')).not.toContain('*');  // optional
  expect(textOf(r.comp, '#reports')).toContain('暂无举报');
});

test('CF-6: a report is sent to the platform and listed with its state', async function () {
  var wx = signedIn(['violation_form']);
  var r = await h.loadPage('pages/violation-report/violation-report', {}, wx);
  await h.tap(r.comp, '#kind-diploma_withheld');
  await h.tap(r.comp, '#kind-forced_signing');
  await h.tap(r.comp, '#kind-forced_signing');  // a second tap takes it back
  input(r.page, 'onInput', 'party', '某某学院就业办');
  input(r.page, 'onInput', 'description', '签约前不发毕业证书');
  await h.flush();
  expect(textOf(r.comp, '#counter-description')).toBe('9/500');
  wx.serve('violation_form_with_report');  // what GET answers once the report is filed
  await h.tap(r.comp, '#submit');
  await h.flush();
  expect(posted(wx, '/violation-reports')).toEqual([{ kinds: ['diploma_withheld'], party: '某某学院就业办', description: '签约前不发毕业证书' }]);
  var list = textOf(r.comp, '#reports');
  ['将毕业证书、学位证书发放与毕业生签约挂钩', '某某学院就业办', '签约前不发毕业证书', '待处理', '2026-06-01 09:55'].forEach(function (s) {
    expect(list).toContain(s);
  });
  expect(r.page.data.form).toEqual({ kinds: [], party: '', description: '', mobile: '' });  // cleared
  expect(requests(wx)).toEqual(['GET /violation-reports', 'POST /violation-reports', 'GET /violation-reports']);
});

test('CF-6: the API field errors show under the kinds and the 情况说明', async function () {
  var wx = signedIn(['violation_form', 'violation_create_invalid']);
  var r = await h.loadPage('pages/violation-report/violation-report', {}, wx);
  await h.tap(r.comp, '#submit');
  var fields = h.recording('violation_create_invalid').body.error.fields;
  expect(textOf(r.comp, '#error-kinds')).toBe(fields.kinds);
  expect(textOf(r.comp, '#error-description')).toBe(fields.description);
  expect(el(r.comp, '#error-mobile')).toBeFalsy();
  expect(posted(wx, '/violation-reports')).toEqual([{ kinds: [], description: '' }]);
});

// --- the module list ---------------------------------------------------------------------------------

test('GW-1: the module list opens 去向登记确认 and 核验授权 once they are available, and says why while locked', async function () {
  var wx = signedIn(['modules']);
  var r = await h.loadPage('pages/modules/modules', {}, wx);
  var index = function (key) { return r.page.data.modules.findIndex(function (m) { return m.key === key; }); };
  r.page.open({ currentTarget: { dataset: { index: index('confirmation') } } });
  expect(wx.called('showModal')[0].content).toBe('需完成毕业去向上报后才能确认');
  expect(wx.called('navigateTo')).toEqual([]);
  r.page.setData({ modules: r.page.data.modules.map(function (m) { return Object.assign({}, m, { available: true }); }) });
  r.page.open({ currentTarget: { dataset: { index: index('confirmation') } } });
  r.page.open({ currentTarget: { dataset: { index: index('verification') } } });
  expect(wx.called('navigateTo').map(function (o) { return o.url; }))
    .toEqual(['/pages/confirmation/confirmation', '/pages/verification/verification']);
});
