/**
 * Archive (档案) and hukou (户口) pages (§5, §6): the module page and the form, one implementation for
 * both modules, over responses recorded from the real backend (tests/miniprogram/test_record_api.py).
 * The archive `dispatch` block alone is hand-made (tests/fixtures/archive_dispatch.json): the backend
 * of this branch does not send it yet.
 */
var fs = require('fs');
var path = require('path');
var h = require('./harness');

var DISPATCH = JSON.parse(fs.readFileSync(path.join(h.ROOT, 'tests', 'fixtures', 'archive_dispatch.json'), 'utf8'));

function signedIn(names) {
  var wx = h.createWx();
  wx.setStorageSync('token', 'wxg_RECORDED_TOKEN');
  wx.setStorageSync('token_expires_at', '2099-01-01T00:00:00+08:00');
  if (names) wx.serve.apply(wx, names);
  [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].forEach(function (id) { wx.serveAt('GET', '/files/' + id, 'file_download'); });
  return wx;
}

function requests(wx) {
  return wx.called('request').map(function (o) {
    var q = o.data && o.method !== 'POST' && o.method !== 'PUT' ? JSON.stringify(o.data) : '';
    return (o.method || 'GET') + ' ' + o.url.replace(/^.*\/api\/v1/, '') + (q ? ' ' + q : '');
  });
}

function field(page, key) { return page.data.fields.filter(function (f) { return f.key === key; })[0]; }

function typeIndex(page, code) {
  return field(page, page.data.typeKey).choices.findIndex(function (c) { return c.code === code; });
}

async function pickType(r, code) {
  await r.page.onPickType({ currentTarget: { dataset: { key: r.page.data.typeKey } }, detail: { value: typeIndex(r.page, code) } });
  await h.flush();
}

function input(page, key, value) {
  page.onInput({ currentTarget: { dataset: { key: key } }, detail: { value: value } });
}

beforeEach(function () { h.resetStack(); h.atRecordingTime(); });
afterEach(function () { jest.restoreAllMocks(); });

// --- the module page ---------------------------------------------------------------------------------

test('AR-1: without archive info the module page offers 档案信息登记 and opens the form', async function () {
  var wx = signedIn(['transfer_archive_empty']);
  var r = await h.loadPage('pages/transfer/transfer', { module: 'archive' }, wx);
  var text = h.text(r.comp);
  expect(text).toContain('暂无档案信息');
  expect(text).toContain('暂无申请记录');
  expect(r.comp.querySelector('#start').dom.textContent).toContain('档案信息登记');
  expect(r.comp.querySelector('#dispatch')).toBeFalsy();  // no dispatch key in this branch's payload
  await h.tap(r.comp, '#start');
  expect(wx.called('navigateTo').map(function (o) { return o.url; }))
    .toEqual(['/pages/transfer-form/transfer-form?module=archive&purpose=registration']);
  expect(requests(wx)).toEqual(['GET /transfers/archive']);
  expect(wx.misses).toEqual([]);
});

test('AR-1, AR-3: a pending registration shows 待院系审核 on the page and in the records; no second registration', async function () {
  var wx = signedIn(['transfer_archive_pending']);
  var r = await h.loadPage('pages/transfer/transfer', { module: 'archive' }, wx);
  var open = r.comp.querySelector('#open').dom.textContent;
  expect(open).toContain('档案信息登记');
  expect(open).toContain('待院系审核');
  expect(open).toContain('审核人员处理前可以修改申请或撤回修改');
  expect(r.page.data.view.action.enabled).toBe(false);
  // the refusal ("已有一条未完成的…") is not repeated under the button: the open registration is right above
  expect(r.comp.querySelector('#refusal')).toBeFalsy();
  expect(r.comp.querySelector('#records').dom.textContent).toContain('待院系审核');
  await h.tap(r.comp, '#open');
  expect(wx.called('navigateTo').map(function (o) { return o.url; }))
    .toEqual(['/pages/transfer-form/transfer-form?module=archive&id=1']);
});

test('AR-3, AR-4: an approved registration is the current info with its source; the action becomes 档案信息修改', async function () {
  var wx = signedIn(['transfer_archive_approved']);
  var r = await h.loadPage('pages/transfer/transfer', { module: 'archive' }, wx);
  var current = r.comp.querySelector('#current').dom.textContent;
  expect(current).toContain('来源：档案信息登记（2026-06-01 09:44）');
  ['转回生源地', '北京市东城区人才服务中心', '北京市东城区', '东四北大街107号', '100007', '刘老师', '010-64011111']
    .forEach(function (s) { expect(current).toContain(s); });
  expect(r.comp.querySelector('#open')).toBeFalsy();
  expect(r.comp.querySelector('#start').dom.textContent).toContain('档案信息修改');
  expect(r.comp.querySelector('#records').dom.textContent).toContain('审核通过');
  await h.tap(r.comp, '#start');
  expect(wx.called('navigateTo').map(function (o) { return o.url; }))
    .toEqual(['/pages/transfer-form/transfer-form?module=archive&purpose=change']);
});

test('AR-5: a change request under review is shown next to the info that is still current', async function () {
  var r = await h.loadPage('pages/transfer/transfer', { module: 'archive' }, signedIn(['transfer_archive_change_open']));
  expect(r.comp.querySelector('#current').dom.textContent).toContain('北京市东城区人才服务中心');
  var open = r.comp.querySelector('#open').dom.textContent;
  expect(open).toContain('档案信息修改');
  expect(open).toContain('北京某某科技有限公司');
  expect(open).toContain('100081');  // edited while pending (修改申请)
  expect(r.page.data.view.action.enabled).toBe(false);
});

test('AR-5: a rejected change keeps the old info; the record shows the reason and a new change may start', async function () {
  var r = await h.loadPage('pages/transfer/transfer', { module: 'archive' }, signedIn(['transfer_archive_change_rejected']));
  expect(r.comp.querySelector('#current').dom.textContent).toContain('转回生源地');
  var records = r.comp.querySelector('#records').dom.textContent;
  expect(records).toContain('审核不通过');
  expect(records).toContain('不通过原因：调档函与单位名称不符');
  expect(records).toContain('已撤销');
  expect(r.page.data.view.action).toEqual(expect.objectContaining({ purpose: 'change', enabled: true }));
});

test('HK-1: hukou not moved to the school — the page says why and offers nothing', async function () {
  var wx = signedIn(['transfer_hukou_unavailable']);
  var r = await h.loadPage('pages/transfer/transfer', { module: 'hukou' }, wx);
  expect(r.comp.querySelector('#unavailable').dom.textContent).toContain('户口未转入学校，不可使用户口信息登记');
  expect(r.comp.querySelector('#start')).toBeFalsy();
  expect(wx.called('setNavigationBarTitle')[0].title).toBe('户口信息登记');
});

test('HK-2, AR-4: hukou info the school entered shows as 学校直接录入; only a change request is offered', async function () {
  var r = await h.loadPage('pages/transfer/transfer', { module: 'hukou' }, signedIn(['transfer_hukou_school_entry']));
  var current = r.comp.querySelector('#current').dom.textContent;
  expect(current).toContain('来源：学校直接录入');
  expect(current).toContain('托管单位接收');
  expect(r.comp.querySelector('#start').dom.textContent).toContain('户口信息修改');
  expect(r.comp.querySelector('#dispatch')).toBeFalsy();  // hukou is not dispatched
});

test('AR-9: a dispatched archive shows 已寄出 with the date, carrier and tracking number (hand-made dispatch block)', async function () {
  var wx = signedIn(['transfer_archive_approved']);
  wx.answers['GET /transfers/archive'].body.dispatch = DISPATCH.sent;  // HAND-MADE: not recorded, see fixture
  var r = await h.loadPage('pages/transfer/transfer', { module: 'archive' }, wx);
  var block = r.comp.querySelector('#dispatch').dom.textContent;
  ['已寄出', '2026-07-05', '中国邮政EMS', '1190123456789', 'DA2027000123K'].forEach(function (s) { expect(block).toContain(s); });
});

test('AR-9: an archive given its 转递编号 but not yet sent shows its state, no mailing details (hand-made dispatch block)', async function () {
  var wx = signedIn(['transfer_archive_approved']);
  wx.answers['GET /transfers/archive'].body.dispatch = DISPATCH.waiting;  // HAND-MADE: not recorded, see fixture
  var r = await h.loadPage('pages/transfer/transfer', { module: 'archive' }, wx);
  var block = r.comp.querySelector('#dispatch').dom.textContent;
  expect(block).toContain('待寄出');
  expect(block).not.toContain('已寄出');
  expect(block).not.toContain('运单号');
});

test('the module list opens the archive and hukou pages', async function () {
  var wx = signedIn(['modules']);
  var r = await h.loadPage('pages/modules/modules', {}, wx);
  ['archive', 'hukou'].forEach(function (key) {
    var index = r.page.data.modules.findIndex(function (m) { return m.key === key; });
    r.page.open({ currentTarget: { dataset: { index: index } } });
  });
  expect(wx.called('navigateTo').map(function (o) { return o.url; }))
    .toEqual(['/pages/transfer/transfer?module=archive', '/pages/transfer/transfer?module=hukou']);
});

// --- the form ----------------------------------------------------------------------------------------

function newArchiveForm(extra) {
  return signedIn(['transfer_archive_empty', 'regions', 'regions_110000', 'regions_110100'].concat(extra || []));
}

test('AR-1, GW-1: the form draws the fields the backend defines, with required marks, the picker and the counter', async function () {
  var r = await h.loadPage('pages/transfer-form/transfer-form', { module: 'archive', purpose: 'registration' }, newArchiveForm());
  var spec = h.recording('transfer_archive_empty').body.fields;
  spec.forEach(function (f) {
    var el = r.comp.querySelector('#field-' + f.key);
    expect(el).toBeTruthy();
    expect(el.dom.textContent.indexOf(f.label + '*') >= 0).toBe(f.required);
  });
  var typeLabels = field(r.page, 'archive_transfer_type').choiceLabels;
  expect(typeLabels).toEqual(expect.arrayContaining(['签约单位接收', '上级主管单位接收', '托管单位接收', '转回生源地']));
  expect(field(r.page, 'archive_unit_region').widget).toBe('region');
  expect(field(r.page, 'archive_unit_name').widget).toBe('search');
  expect(r.comp.querySelector('#counter-archive_remark').dom.textContent).toBe('0/200');
  input(r.page, 'archive_remark', '本人暂未就业');
  await h.flush();
  expect(r.comp.querySelector('#counter-archive_remark').dom.textContent).toBe('6/200');
  expect(r.page.data.buttons.map(function (b) { return b.key; })).toEqual(['save', 'submit']);
  expect(r.wx.misses).toEqual([]);
});

test('AR-2: choosing 转回生源地 fills the form from the 生源所在地 office and locks the province', async function () {
  var wx = newArchiveForm();
  var r = await h.loadPage('pages/transfer-form/transfer-form', { module: 'archive', purpose: 'registration' }, wx);
  expect(r.page.data.lockedProvince).toBe('');
  expect(r.page.data.regionNames[0].length).toBeGreaterThan(30);  // every province while no type is chosen
  await pickType(r, '20');
  var prefill = h.recording('transfer_archive_empty').body.prefill['20'];
  Object.keys(prefill).forEach(function (k) { expect(field(r.page, k).value).toBe(prefill[k]); });
  expect(r.comp.querySelector('#prefill-note').dom.textContent).toContain('已按你的生源所在地填入');
  expect(r.page.data.lockedProvince).toBe('11');
  expect(r.page.data.regionNames[0]).toEqual(['北京市']);  // the province column holds the 生源地 province only
  expect(field(r.page, 'archive_unit_region').regionText).toBe('北京市东城区');
  expect(h.text(r.comp)).toContain('北京市东城区');
  expect(requests(wx)).toEqual(expect.arrayContaining(['GET /regions', 'GET /regions {"parent":"110000"}', 'GET /regions {"parent":"110100"}']));
  // another district of the same province is fine
  var districts = r.page.data.regionCols[2];
  var xicheng = districts.findIndex(function (d) { return d.value === '110102'; });
  r.page.onRegionChange({ detail: { value: [0, 0, xicheng] } });
  await h.flush();
  expect(field(r.page, 'archive_unit_region').value).toBe('110102');
  expect(field(r.page, 'archive_unit_region').regionText).toBe('北京市西城区');
  expect(wx.misses).toEqual([]);
});

test('AR-2: another province for 转回生源地, refused by the backend, is shown next to the address', async function () {
  var wx = newArchiveForm();
  wx.serveAt('POST', '/transfers/archive/registrations', 'transfer_archive_create_invalid');
  var r = await h.loadPage('pages/transfer-form/transfer-form', { module: 'archive', purpose: 'registration' }, wx);
  await pickType(r, '20');
  input(r.page, 'archive_postcode', '1000');
  await h.tap(r.comp, '#btn-save');
  expect(r.comp.querySelector('#field-archive_unit_region').dom.textContent)
    .toContain('转回生源地时地址须在生源所在地省份内，跨省转递请选择其他类型');
  expect(r.comp.querySelector('#field-archive_postcode .field-error')).toBeTruthy();
  expect(field(r.page, 'archive_postcode').value).toBe('1000');  // what was typed stays
  expect(field(r.page, 'archive_unit_name').value).toBe('北京市东城区人才服务中心');
  expect(r.page.data.recordId).toBe(null);
});

test('AR-8: a type the national rule does not recommend shows the policy hint, and does not block 提交', async function () {
  var wx = newArchiveForm(['transfer_archive_create']);
  var r = await h.loadPage('pages/transfer-form/transfer-form', { module: 'archive', purpose: 'registration' }, wx);
  expect(r.comp.querySelector('#policy-hint')).toBeFalsy();
  await pickType(r, '11');
  var hint = r.comp.querySelector('#policy-hint').dom.textContent;
  expect(hint).toContain('暂未就业的毕业生，档案一般转至户籍所在地的公共就业和人才服务机构');
  expect(hint).toContain('国办发〔2022〕13号');
  expect(r.page.data.lockedProvince).toBe('');
  await h.tap(r.comp, '#btn-submit');
  await h.flush();
  var modal = wx.called('showModal').pop();
  expect(modal.content).toContain('国办发〔2022〕13号');
  var post = wx.called('request').filter(function (o) { return o.method === 'POST'; });
  expect(post.length).toBe(1);
  expect(post[0].data).toEqual({ purpose: 'registration', submit: true, fields: { archive_transfer_type: '11' } });
  await h.sleep(700);  // 已提交 shows for 600 ms, then the module page
  expect(wx.called('redirectTo').map(function (o) { return o.url; })).toEqual(['/pages/transfer/transfer?module=archive']);
  // the recommended type takes the hint away
  await pickType(r, '20');
  expect(r.comp.querySelector('#policy-hint')).toBeFalsy();
});

test('AR-7: 点击搜索 finds receiving offices in the directory and fills the unit from the chosen one', async function () {
  var wx = newArchiveForm(['receiving_offices']);
  var r = await h.loadPage('pages/transfer-form/transfer-form', { module: 'archive', purpose: 'registration' }, wx);
  await pickType(r, '20');
  input(r.page, 'archive_unit_name', '东城区');
  await h.tap(r.comp, '#open-search');
  // 转回生源地: the search stays in the 生源地 province
  expect(requests(wx)).toContain('GET /receiving-offices {"q":"东城区","region":"110000"}');
  var list = r.comp.querySelector('#search').dom.textContent;
  expect(list).toContain('北京市东城区公共就业服务中心');
  expect(list).toContain('北京市东城区人才服务中心');
  var items = r.page.data.search.items;
  var index = items.findIndex(function (o) { return o.name === '北京市东城区公共就业服务中心'; });
  r.page.pickOffice({ currentTarget: { dataset: { index: index } } });
  await h.flush();
  expect(field(r.page, 'archive_unit_name').value).toBe('北京市东城区公共就业服务中心');
  expect(field(r.page, 'archive_unit_address').value).toBe('安定门外大街2号');
  expect(field(r.page, 'archive_postcode').value).toBe('100011');
  expect(field(r.page, 'archive_contact').value).toBe('刘老师');  // the office has none: the prefilled one stays
  expect(r.comp.querySelector('#search')).toBeFalsy();
  // or typed in freely
  input(r.page, 'archive_unit_name', '某某人才交流中心');
  expect(field(r.page, 'archive_unit_name').value).toBe('某某人才交流中心');
});

test('AR-1: an image on a new form saves the draft first, then uploads; the draft can be cancelled', async function () {
  var wx = newArchiveForm(['transfer_archive_create', 'transfer_archive_image_upload']);
  wx.serveAt('DELETE', '/transfers/archive/registrations/1', 'transfer_archive_cancel');
  var r = await h.loadPage('pages/transfer-form/transfer-form', { module: 'archive', purpose: 'registration' }, wx);
  await pickType(r, '20');
  await h.tap(r.comp, '#add-image');
  await h.flush(12);
  expect(wx.called('chooseMedia')[0].count).toBe(3);
  expect(requests(wx).filter(function (c) { return /^POST/.test(c); })).toEqual(['POST /transfers/archive/registrations']);
  expect(wx.called('uploadFile').map(function (o) { return o.url.replace(/^.*\/api\/v1/, ''); }))
    .toEqual(['/transfers/archive/registrations/1/images']);
  expect(r.page.data.images.map(function (i) { return i.id; })).toEqual([10]);
  expect(r.page.data.recordId).toBe(1);
  expect(r.page.data.buttons.map(function (b) { return b.key; })).toEqual(['save', 'submit', 'cancel']);
  await h.tap(r.comp, '#btn-cancel');
  await h.flush();
  expect(requests(wx)).toContain('DELETE /transfers/archive/registrations/1');
  await h.sleep(10);
  expect(wx.called('redirectTo').map(function (o) { return o.url; })).toEqual(['/pages/transfer/transfer?module=archive']);
});

test('AR-1: at most 3 images — with 3 uploaded the form offers no more', async function () {
  var wx = newArchiveForm(['transfer_archive_create']);
  var r = await h.loadPage('pages/transfer-form/transfer-form', { module: 'archive', purpose: 'registration' }, wx);
  r.page.setData({ recordId: 1, images: [{ id: 1, url: '/api/v1/files/1', path: 'a' }, { id: 2, url: '/api/v1/files/2', path: 'b' },
    { id: 3, url: '/api/v1/files/3', path: 'c' }] });
  await h.flush();
  expect(r.comp.querySelector('#add-image')).toBeFalsy();
  r.page.chooseImages();
  expect(wx.called('chooseMedia')).toEqual([]);
});

test('AR-5: a pending registration can still be edited (修改申请, resubmitted) or withdrawn', async function () {
  var wx = signedIn(['transfer_archive_pending', 'regions', 'regions_110000', 'regions_110100', 'transfer_archive_update_submit',
    'transfer_archive_withdraw']);
  wx.serveAt('PUT', '/transfers/archive/registrations/1', 'transfer_archive_update_submit');
  var r = await h.loadPage('pages/transfer-form/transfer-form', { module: 'archive', id: '1' }, wx);
  expect(r.page.data.record.status).toBe('pending');
  expect(r.comp.querySelector('#notice').dom.textContent).toContain('审核人员处理前可以修改');
  expect(r.page.data.buttons.map(function (b) { return b.key; })).toEqual(['withdraw', 'submit']);
  expect(field(r.page, 'archive_remark').value).toBe('本人暂未就业');
  expect(r.page.data.lockedProvince).toBe('11');  // 转回生源地 from the saved record
  expect(r.comp.querySelector('#add-image')).toBeFalsy();  // images change after a withdrawal
  input(r.page, 'archive_contact', '王老师');
  await h.tap(r.comp, '#btn-submit');
  await h.flush();
  var put = wx.called('request').filter(function (o) { return o.method === 'PUT'; })[0];
  expect(put.url).toMatch(/\/transfers\/archive\/registrations\/1$/);
  expect(put.data.submit).toBe(true);
  expect(put.data.fields.archive_contact).toBe('王老师');
  expect(put.data.purpose).toBeUndefined();
  // 撤回修改: the record is a draft again, with 保存 / 提交
  wx.called('request').length = 0;
  await h.sleep(700);
  await h.tap(r.comp, '#btn-withdraw');
  await h.flush();
  expect(requests(wx)).toContain('POST /transfers/archive/registrations/1/withdraw');
  expect(r.page.data.record.status).toBe('draft');
  expect(r.page.data.buttons.map(function (b) { return b.key; })).toEqual(['save', 'submit', 'cancel']);
});

test('AR-5: a change request starts from the current info', async function () {
  var wx = signedIn(['transfer_archive_approved', 'regions', 'regions_110000', 'regions_110100']);
  var r = await h.loadPage('pages/transfer-form/transfer-form', { module: 'archive', purpose: 'change' }, wx);
  expect(r.page.data.title).toBe('档案信息修改');
  expect(field(r.page, 'archive_unit_name').value).toBe('北京市东城区人才服务中心');
  expect(field(r.page, 'archive_transfer_type').display).toBe('转回生源地');
  expect(field(r.page, 'archive_unit_region').regionText).toBe('北京市东城区');
});

test('AR-1: a registration the backend refuses (info already current) is not offered as a form', async function () {
  var wx = signedIn(['transfer_archive_approved']);
  var r = await h.loadPage('pages/transfer-form/transfer-form', { module: 'archive', purpose: 'registration' }, wx);
  expect(r.comp.querySelector('#load-error').dom.textContent).toContain('如需变更请提交档案信息修改申请');
});

test('HK-2, GW-1: the hukou form is the same page with the hukou fields — address picker, no directory search', async function () {
  var wx = signedIn(['transfer_hukou_school_entry', 'regions', 'regions_110000', 'regions_110100']);
  var r = await h.loadPage('pages/transfer-form/transfer-form', { module: 'hukou', purpose: 'change' }, wx);
  expect(r.page.data.title).toBe('户口信息修改');
  expect(r.page.data.fields.map(function (f) { return f.key; }))
    .toEqual(['hukou_transfer_type', 'hukou_region', 'hukou_address', 'hukou_remark']);
  expect(field(r.page, 'hukou_transfer_type').display).toBe('托管单位接收');
  expect(field(r.page, 'hukou_region').widget).toBe('region');
  expect(r.comp.querySelector('#open-search')).toBeFalsy();
  expect(h.text(r.comp)).toContain('户口迁移相关证明材料');
  await pickType(r, '20');
  var prefill = h.recording('transfer_hukou_school_entry').body.prefill['20'];
  expect(field(r.page, 'hukou_region').value).toBe(prefill.hukou_region);
  expect(r.page.data.lockedProvince).toBe('11');
});

test('HK-1: the hukou form says why it is unavailable', async function () {
  var r = await h.loadPage('pages/transfer-form/transfer-form', { module: 'hukou', purpose: 'registration' },
    signedIn(['transfer_hukou_unavailable']));
  expect(r.comp.querySelector('#load-error').dom.textContent).toContain('户口未转入学校');
});

test('every field renders exactly one control (the picker, the region picker, the search row, the textarea or an input)', async function () {
  var r = await h.loadPage('pages/transfer-form/transfer-form', { module: 'archive', purpose: 'registration' }, newArchiveForm());
  r.page.data.fields.forEach(function (f) {
    var el = r.comp.querySelector('#field-' + f.key);
    var controls = el.dom.querySelectorAll('wx-input, wx-textarea, wx-picker').length;
    expect([f.key, controls]).toEqual([f.key, 1]);
  });
});
