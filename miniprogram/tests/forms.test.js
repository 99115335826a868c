const test = require('node:test');
const assert = require('node:assert/strict');
const forms = require('../utils/forms.js');

// 与 GET /destination/kinds 的一项同形（widget、hint 为后端所给；tests/test_fields.py 核对二者一致）。
const kind = require('./fixtures/directed_kind.json');

test('buildFormModel: readonly field takes the preset value even if the record says otherwise', () => {
  const m = forms.buildFormModel(kind, { unit_name: '旧单位', unit_nature: '21' });
  const unit = m.fields.find((f) => f.key === 'unit_name');
  assert.equal(unit.readonly, true);
  assert.equal(unit.widget, 'readonly');
  assert.equal(unit.value, '某某市人民医院');
  assert.equal(unit.display, '某某市人民医院');
  assert.equal(m.subkind, 'directed_supplement');
  assert.equal(m.proof.min, 1);
  assert.equal(m.proof.max, 3);
  assert.match(m.proof.text, /至少 1 张，最多 3 张/);
});

test('buildFormModel: widgets, choices and existing values', () => {
  const m = forms.buildFormModel(kind, { unit_nature: '21', salary: 8000 });
  const byKey = Object.fromEntries(m.fields.map((f) => [f.key, f]));
  assert.equal(byKey.unit_nature.widget, 'picker');
  assert.deepEqual(byKey.unit_nature.choiceLabels, ['机关', '科研设计单位']);
  assert.equal(byKey.unit_nature.choiceIndex, 1);
  assert.equal(byKey.unit_nature.display, '科研设计单位');
  assert.equal(byKey.work_region.maxlength, 6);
  assert.match(byKey.work_region.hint, /6 位行政区划代码/);
  assert.equal(byKey.salary.inputType, 'number');
  assert.equal(byKey.salary.value, '8000');
  assert.equal(byKey.start_date.widget, 'date');
  assert.equal(byKey.position.value, '');
  assert.equal(byKey.position.error, '');
});

test('buildField: the component and the hint follow the API widget and hint, not the type', () => {
  const note = forms.buildField({ key: 'note', label: '补充说明', type: 'text', widget: 'textarea', hint: '不超过 500 个字',
    max: 500 });
  assert.equal(note.widget, 'textarea');
  assert.equal(note.maxlength, 500);
  assert.equal(note.hint, '不超过 500 个字');
  const phone = forms.buildField({ key: 'p', label: '联系电话', type: 'phone', widget: 'tel', hint: '手机号码或带区号的固定电话' });
  assert.deepEqual([phone.widget, phone.inputType, phone.maxlength], ['input', 'text', -1]);
  assert.equal(phone.hint, '手机号码或带区号的固定电话');
  const url = forms.buildField({ key: 'u', label: '网店网址', type: 'url', widget: 'url', hint: null, max: 300 });
  assert.deepEqual([url.widget, url.maxlength, url.hint], ['input', 300, '']);
  const postcode = forms.buildField({ key: 'z', label: '邮编', type: 'postcode', widget: 'postcode', hint: '6 位数字' });
  assert.deepEqual([postcode.inputType, postcode.maxlength], ['number', 6]);
  // 类型不再决定控件：后端说 text 就是文本输入
  const plain = forms.buildField({ key: 'm', label: '金额', type: 'money', widget: 'text', hint: null }, 12);
  assert.deepEqual([plain.widget, plain.inputType, plain.hint], ['input', 'text', '']);
  assert.deepEqual(forms.collectValues([plain]), { m: '12' });
  const picked = forms.buildField({ key: 'c', label: '代码', type: 'code', widget: 'select', hint: null,
    choices: [{ code: '10', label: '机关' }] }, '10');
  assert.deepEqual([picked.widget, picked.display], ['picker', '机关']);
});

test('buildFormModel: without preset a readonly field keeps the record value', () => {
  const m = forms.buildFormModel(Object.assign({}, kind, { preset: {} }), { unit_name: '旧单位' });
  assert.equal(m.fields[0].value, '旧单位');
});

test('setFieldValue: picker index becomes the code; readonly cannot change', () => {
  let fields = forms.buildFormModel(kind).fields;
  fields = forms.setFieldValue(fields, 'unit_nature', 0);
  fields = forms.setFieldValue(fields, 'unit_name', '别的单位');
  fields = forms.setFieldValue(fields, 'salary', '6500');
  const byKey = Object.fromEntries(fields.map((f) => [f.key, f]));
  assert.equal(byKey.unit_nature.value, '10');
  assert.equal(byKey.unit_nature.display, '机关');
  assert.equal(byKey.unit_name.value, '某某市人民医院');
  assert.equal(byKey.salary.value, '6500');
});

test('collectValues: skips empty and readonly, money as integer, keeps bad input for the server', () => {
  let fields = forms.buildFormModel(kind).fields;
  fields = forms.setFieldValue(fields, 'unit_nature', 1);
  fields = forms.setFieldValue(fields, 'salary', ' 7000 ');
  fields = forms.setFieldValue(fields, 'work_region', '11010');
  fields = forms.setFieldValue(fields, 'position', '   ');
  assert.deepEqual(forms.collectValues(fields), { unit_nature: '21', salary: 7000, work_region: '11010' });
  fields = forms.setFieldValue(fields, 'salary', '7k');
  assert.equal(forms.collectValues(fields).salary, '7k');
});

test('mapFieldErrors: "fields.x" keys go to byField, others to general', () => {
  const err = {
    code: 'invalid_fields',
    message: '去向信息有误，请按提示修改',
    fields: { 'fields.work_region': '行政区划代码无效', 'fields.salary': '请填写整数金额', file: '缺少文件' }
  };
  const mapped = forms.mapFieldErrors(err);
  assert.deepEqual(mapped.byField, { work_region: '行政区划代码无效', salary: '请填写整数金额' });
  assert.deepEqual(mapped.general, ['缺少文件']);
  assert.equal(mapped.message, '去向信息有误，请按提示修改');
  assert.deepEqual(forms.mapFieldErrors(null), { byField: {}, general: [], message: '' });
  assert.deepEqual(forms.mapFieldErrors({ code: 'proof_required', message: '请上传证明材料' }).byField, {});
});

test('applyErrors keeps typed values and sets per-field messages; unmatched errors are reported', () => {
  let fields = forms.buildFormModel(kind).fields;
  fields = forms.setFieldValue(fields, 'work_region', '999999');
  const { byField } = forms.mapFieldErrors({ fields: { 'fields.work_region': '行政区划代码无效', 'fields.ghost': '没有此项' } });
  const withErr = forms.applyErrors(fields, byField);
  const region = withErr.find((f) => f.key === 'work_region');
  assert.equal(region.value, '999999');
  assert.equal(region.error, '行政区划代码无效');
  assert.equal(withErr.find((f) => f.key === 'salary').error, '');
  assert.deepEqual(forms.unmatchedErrors(withErr, byField), ['ghost：没有此项']);
  // 修改该字段时错误消失，其余错误保留
  const edited = forms.setFieldValue(withErr, 'work_region', '110105');
  assert.equal(edited.find((f) => f.key === 'work_region').error, '');
});

test('statusTag maps every status to a tone', () => {
  assert.equal(forms.statusTag('pending').tone, 'blue');
  assert.equal(forms.statusTag('approved').tone, 'green');
  assert.equal(forms.statusTag('returned').tone, 'orange');
  assert.equal(forms.statusTag('rejected').tone, 'red');
  assert.equal(forms.statusTag('voided').tone, 'grey');
  assert.equal(forms.statusTag('draft').tone, 'grey');
  assert.equal(forms.statusTag('unknown').tone, 'grey');
});

test('action availability follows the record actions', () => {
  const pending = { actions: { edit: false, submit: false, withdraw: true, void: false } };
  const approved = { actions: { edit: false, submit: false, withdraw: false, void: true } };
  const returned = { actions: { edit: true, submit: true, withdraw: false, void: false } };
  assert.equal(forms.canDo(pending, 'withdraw'), true);
  assert.equal(forms.canDo(pending, 'edit'), false);
  assert.equal(forms.canDo(approved, 'void'), true);
  assert.equal(forms.canDo({}, 'void'), false);
  assert.equal(forms.canDo(null, 'edit'), false);
  assert.deepEqual(forms.recordActions(pending).map((a) => a.key), ['withdraw']);
  assert.deepEqual(forms.recordActions(approved).map((a) => a.label), ['作废']);
  assert.equal(forms.recordActions(approved)[0].danger, true);
  assert.ok(forms.recordActions(approved)[0].confirm.length > 0);
  assert.deepEqual(forms.recordActions(returned).map((a) => a.key), ['edit', 'submit']);
});

test('decorateRecord and decorateHistory', () => {
  const r = forms.decorateRecord({
    status: 'returned', status_label: '退回修改', proof_count: 1, proof_min: 2,
    updated_at: '2024-05-01T08:30:12+00:00',
    last_decision: { action: 'return', by: '院系', label: '退回修改', reason: '请补充盖章页', at: '2024-05-01T08:30:12' }
  });
  assert.equal(r.tagTone, 'orange');
  assert.equal(r.decision, '院系退回修改：请补充盖章页');
  assert.equal(r.decisionTone, 'bad');
  assert.equal(r.updatedText, '2024-05-01 08:30');
  const h = forms.decorateHistory([{ at: '2024-05-02T09:00:00', action: 'edit', action_label: '修改', by: '学校', reason: null,
    changes: [{ field: 'position', before: null, after: '护士' }] }], { position: '岗位名称' });
  assert.deepEqual(h[0].changes[0], { field: 'position', label: '岗位名称', before: '（空）', after: '护士' });
});

test('kindsForGroup, findKind, proofRemaining, absoluteUrl', () => {
  const out = { kinds: [kind, Object.assign({}, kind, { key: 'domestic', group: 'further_study' })] };
  assert.deepEqual(forms.kindsForGroup(out, 'further_study').map((k) => k.key), ['domestic']);
  assert.equal(forms.findKind(out, 'domestic').group, 'further_study');
  assert.equal(forms.findKind(out, 'nope'), null);
  assert.equal(forms.proofRemaining(2, { max: 3 }), 1);
  assert.equal(forms.proofRemaining(5, { max: 3 }), 0);
  assert.equal(forms.absoluteUrl('http://127.0.0.1:5000/api/v1', '/api/v1/files/3'), 'http://127.0.0.1:5000/api/v1/files/3');
  assert.equal(forms.absoluteUrl('https://x.cn/api/v1', 'https://y.cn/a.png'), 'https://y.cn/a.png');
});
