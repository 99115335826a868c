const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');
const t = require('../utils/transfers.js');

const recorded = (name) => JSON.parse(fs.readFileSync(path.join(__dirname, 'recorded', name + '.json'), 'utf8')).body;
const HAND_MADE_DISPATCH = require('./fixtures/archive_dispatch.json');  // not recorded: see its _note

test('AR-8: the policy hint shows only while the chosen type is not recommended, and never without a type', () => {
  const policy = { recommended: ['11', '12'], message: '到机关……' };
  assert.equal(t.policyHint(policy, '20'), '到机关……');
  assert.equal(t.policyHint(policy, '11'), '');
  assert.equal(t.policyHint(policy, ''), '');
  assert.equal(t.policyHint(null, '20'), '');
});

test('AR-2: 转回生源地 locks the province of the 生源所在地; other types and an unknown origin do not', () => {
  assert.equal(t.lockedProvince({ origin_region: '110101' }, '20'), '11');
  assert.equal(t.lockedProvince({ origin_region: '110101' }, '13'), '');
  assert.equal(t.lockedProvince({ origin_region: null }, '20'), '');
  const cols = t.provinceColumn([{ code: '110000', name: '北京市', value: '110000' }, { code: '310000', name: '上海市', value: '310000' }], '31');
  assert.deepEqual(cols.map((c) => c.name), ['上海市']);
});

test('AR-2: choosing 转回生源地 fills in the prefill; another type keeps what was typed', () => {
  const out = recorded('transfer_archive_empty');
  let fields = t.buildFields(out, { archive_unit_name: '自己填的单位' });
  const other = t.chooseType(out, fields, '11');
  assert.equal(other.prefilled, false);
  assert.equal(t.fieldValue(other.fields, 'archive_unit_name'), '自己填的单位');
  const back = t.chooseType(out, fields, '20');
  assert.equal(back.prefilled, true);
  assert.equal(t.fieldValue(back.fields, 'archive_unit_name'), '北京市东城区人才服务中心');
  assert.equal(t.fieldValue(back.fields, 'archive_unit_region'), '110101');
  assert.equal(t.fieldValue(back.fields, 'archive_transfer_type'), '20');
});

test('AR-7: a directory entry fills the unit fields it has and leaves the others', () => {
  const v = t.officeValues({ name: 'A中心', region_code: '110101', address: '路1号', postcode: '100010', contact: '', phone: null });
  assert.deepEqual(v, { archive_unit_name: 'A中心', archive_unit_region: '110101', archive_unit_address: '路1号', archive_postcode: '100010' });
});

test('region cascade: a municipality is named once, the deepest choice is the value', () => {
  const cols = [[{ code: '110000', name: '北京市', value: '110000' }], [{ code: '110100', name: '北京市', value: '110000' }],
    [{ code: '110101', name: '东城区', value: '110101' }, { code: '110102', name: '西城区', value: '110102' }]];
  assert.deepEqual([t.provinceIndex(cols[0], '110102'), t.cityIndex(cols[1], '110102'), t.districtIndex(cols[2], '110102')], [0, 0, 1]);
  assert.equal(t.chosenRegion(cols, [0, 0, 1]), '110102');
  assert.equal(t.regionName(cols, [0, 0, 1]), '北京市西城区');
  // a city without districts: the placeholder column, the city is the value
  const noDistricts = [cols[0], [{ code: '441900', name: '东莞市', value: '441900' }], t.column([])];
  assert.equal(t.chosenRegion(noDistricts, [0, 0, 0]), '441900');
});

test('AR-4, AR-5: the module page offers a change once info is current, a registration before', () => {
  const empty = t.modulePage(recorded('transfer_archive_empty'));
  assert.deepEqual([empty.action.purpose, empty.action.label, empty.action.enabled], ['registration', '档案信息登记', true]);
  const approved = t.modulePage(recorded('transfer_archive_approved'));
  assert.deepEqual([approved.action.purpose, approved.action.label, approved.action.enabled], ['change', '档案信息修改', true]);
  assert.equal(approved.current.sourceLabel, '档案信息登记');
  const locked = t.modulePage(recorded('transfer_hukou_unavailable'));
  assert.equal(locked.available, false);
  assert.equal(locked.action.enabled, false);
});

test('AR-9: dispatch — absent, waiting, sent (hand-made blocks of the documented shape)', () => {
  assert.equal(t.dispatchView(null), null);
  assert.equal(t.dispatchView(undefined), null);
  const sent = t.dispatchView(HAND_MADE_DISPATCH.sent);
  assert.deepEqual([sent.sent, sent.label, sent.sentOn, sent.carrier, sent.trackingNo], [true, '已寄出', '2026-07-05', '中国邮政EMS', '1190123456789']);
  const waiting = t.dispatchView(HAND_MADE_DISPATCH.waiting);
  assert.deepEqual([waiting.sent, waiting.label], [false, '待寄出']);
  // hukou pages never show an archive dispatch
  assert.equal(t.modulePage(Object.assign(recorded('transfer_hukou_school_entry'), { dispatch: HAND_MADE_DISPATCH.sent })).dispatch, null);
});

test('form buttons: 保存/提交 for new, draft and returned; 撤销 for a draft; 撤回修改/提交修改 while pending', () => {
  const keys = (r) => t.formButtons(r).map((b) => b.key);
  assert.deepEqual(keys(null), ['save', 'submit']);
  assert.deepEqual(keys({ status: 'draft', cancellable: true }), ['save', 'submit', 'cancel']);
  assert.deepEqual(keys({ status: 'returned', cancellable: false }), ['save', 'submit']);
  assert.deepEqual(keys({ status: 'pending' }), ['withdraw', 'submit']);
  assert.deepEqual(keys({ status: 'approved' }), []);
});

test('情况说明 counts characters as the backend does (an emoji is one)', () => {
  const out = recorded('transfer_archive_empty');
  const fields = t.setValues(t.buildFields(out, {}), { archive_remark: '说明😀' });
  const remark = fields.find((f) => f.key === 'archive_remark');
  assert.equal(remark.widget, 'textarea');
  assert.equal(remark.maxlength, 200);
  assert.equal(remark.count, 3);
});
