/**
 * 纯函数：档案信息登记与户口信息登记（一套实现，module 为 archive 或 hukou）。
 * 不调用 wx.*，数据来自 GET /transfers/{module}（当前信息及来源、未完成的登记、登记记录、字段定义、
 * 转回生源地预填 prefill、政策提示 policy、档案寄出 dispatch）和 GET /regions（省 → 市 → 区县）。
 */
var forms = require('./forms.js');

var MODULES = { archive: '档案', hukou: '户口' };
/** 转递/迁移类型中的“转回生源地”（后端 transfers.forms.BACK_TO_ORIGIN）。 */
var BACK_TO_ORIGIN = '20';
var PROVINCE_LOCKED = '转回生源地时省份按生源所在地确定，不能修改；跨省转递请选择其他类型';
var DIRECTORY_FIELDS = {
  // 档案接收单位目录的一项 → 档案表单字段（只有档案有单位名称）
  name: 'archive_unit_name', region_code: 'archive_unit_region', address: 'archive_unit_address',
  postcode: 'archive_postcode', contact: 'archive_contact', phone: 'archive_phone'
};
var TONES = { draft: 'grey', pending: 'blue', returned: 'orange', approved: 'green', rejected: 'red', cancelled: 'grey' };

function isModule(m) { return Object.prototype.hasOwnProperty.call(MODULES, m); }

function moduleLabel(m) { return MODULES[m] || ''; }

/** 档案信息登记 / 户口信息修改 … */
function kindTitle(module, purpose) {
  return moduleLabel(module) + '信息' + (purpose === 'change' ? '修改' : '登记');
}

function isRemark(key) { return /_remark$/.test(key); }

// --- 主界面（图31、图33–35） ------------------------------------------------------------------------

/** 档案寄出（学校转递档案后，AR-9）：null 或 {transfer_no, state, state_label, sent_on, carrier, tracking_no}。 */
function dispatchView(d) {
  if (!d) return null;
  var sent = !!d.sent_on || d.state === 'sent';
  return {
    sent: sent,
    label: sent ? '已寄出' : (d.state_label || '待寄出'),
    transferNo: d.transfer_no || '',
    sentOn: d.sent_on ? String(d.sent_on).slice(0, 10) : '',
    carrier: d.carrier || '',
    trackingNo: d.tracking_no || ''
  };
}

/** 登记记录一项（GET /transfers/{module} 的 records）。 */
function decorateSummary(r) {
  return Object.assign({}, r, {
    tagTone: TONES[r.status] || 'grey',
    createdText: forms.formatTime(r.created_at),
    reasonText: r.reason ? (r.status === 'rejected' ? '不通过原因：' : '退回原因：') + r.reason : ''
  });
}

/** 未完成的登记（draft / pending / returned）在主界面的说明。 */
function openNotice(o) {
  if (!o) return '';
  switch (o.status) {
    case 'draft': return '尚未提交，请修改完善后提交审核。';
    case 'returned': return '审核退回，请按意见修改后重新提交。';
    case 'pending':
      return o.stage === 'school' ? '院系已审核，学校审核中，请等待审核结果。' : '审核中，审核人员处理前可以修改申请或撤回修改。';
    default: return '';
  }
}

/**
 * GET /transfers/{module} → 主界面数据：当前信息及来源（AR-4）、未完成的登记、登记记录、
 * 登记/修改申请按钮（can_register / can_change，不能时显示原因）、档案寄出情况。
 */
function modulePage(out) {
  var module = out.module;
  var label = moduleLabel(module);
  var current = out.current ? {
    sourceLabel: out.current.source_label,
    sourceText: '来源：' + out.current.source_label + (out.current.synced_at ? '（' + forms.formatTime(out.current.synced_at) + '）' : ''),
    rows: out.current.rows || []
  } : null;
  var open = out.open ? Object.assign(decorateSummary(out.open), {
    notice: openNotice(out.open),
    rows: (out.open.rows || []).filter(function (r) { return r.value !== '-'; })
  }) : null;
  // 有当前信息时只能申请修改（AR-5），否则登记（AR-1）；未完成的登记在“申请记录”中继续
  var purpose = current ? 'change' : 'registration';
  var allowed = current ? !!out.can_change : !!out.can_register;
  var refusal = current ? out.change_refusal : out.register_refusal;
  return {
    module: module,
    title: label + '信息登记',
    label: label,
    available: out.available !== false,
    reason: out.reason || '',
    current: current,
    emptyText: '暂无' + label + '信息',
    open: open,
    records: (out.records || []).map(decorateSummary),
    action: {
      purpose: purpose,
      label: kindTitle(module, purpose),
      enabled: out.available !== false && allowed,
      // 已有未完成的登记时按钮不可用，原因不重复显示（它就在上方）
      refusal: allowed || open ? '' : (refusal || '')
    },
    dispatch: module === 'archive' ? dispatchView(out.dispatch) : null
  };
}

// --- 登记表单（图32、图37） ------------------------------------------------------------------------

/** 政策提示（AR-8）：所选类型不在建议类型中时显示，不阻止提交。 */
function policyHint(policy, type) {
  if (!policy || !type || !policy.recommended) return '';
  return policy.recommended.indexOf(String(type)) >= 0 ? '' : (policy.message || '');
}

/** 转回生源地时锁定的省份（2 位代码，AR-2）；其他类型或生源地未知时为空。 */
function lockedProvince(out, type) {
  var origin = out && out.origin_region;
  return String(type) === BACK_TO_ORIGIN && origin && /^\d{6}$/.test(origin) ? origin.slice(0, 2) : '';
}

/**
 * 表单字段：forms.buildField 之上，类型字段为选择器，地址的省市区为级联选择器（region），
 * 单位名称可在目录中搜索（search），情况说明为多行输入并计数（textarea）。
 */
function buildFields(out, values) {
  values = values || {};
  return (out.fields || []).map(function (spec) {
    var f = forms.buildField(spec, values[spec.key]);
    if (spec.key === out.region_field) {
      f.widget = 'region';
      f.regionText = '';
    } else if (spec.key === 'archive_unit_name') {
      f.widget = 'search';
    } else if (isRemark(spec.key)) {
      f.widget = 'textarea';
      f.maxlength = spec.max || 200;
    }
    f.count = Array.from(f.value || '').length;
    return f;
  });
}

function valuesOf(fields) {
  var out = {};
  fields.forEach(function (f) { out[f.key] = f.value; });
  return out;
}

function fieldValue(fields, key) {
  for (var i = 0; i < fields.length; i++) if (fields[i].key === key) return fields[i].value;
  return '';
}

/** 写入多个字段的值（选择器字段给代码）；返回新数组，被写入的字段清除错误。 */
function setValues(fields, values) {
  var out = fields;
  Object.keys(values).forEach(function (key) {
    out = forms.setFieldValue(out, key, values[key] === undefined || values[key] === null ? '' : String(values[key]));
  });
  return out.map(function (f) {
    if (!(f.key in values)) return f;
    return Object.assign({}, f, { count: Array.from(f.value || '').length });
  });
}

/**
 * 选择类型后的字段：选转回生源地时按生源所在地反显（prefill['20']，AR-2），可修改或补充；
 * 反显不到的项保持已填写的内容。返回 {fields, prefilled}。
 */
function chooseType(out, fields, typeCode) {
  var typeField = out.type_field;
  var next = setValues(fields, (function () { var v = {}; v[typeField] = typeCode; return v; })());
  var prefill = (out.prefill || {})[String(typeCode)];
  if (String(typeCode) !== BACK_TO_ORIGIN || !prefill) return { fields: next, prefilled: false };
  var fill = {};
  Object.keys(prefill).forEach(function (k) { if (k !== typeField) fill[k] = prefill[k]; });
  return { fields: setValues(next, fill), prefilled: Object.keys(fill).length > 0 };
}

/** 目录中的一个单位 → 档案字段值（空的项不覆盖）。 */
function officeValues(office) {
  var v = {};
  Object.keys(DIRECTORY_FIELDS).forEach(function (k) {
    if (office[k]) v[DIRECTORY_FIELDS[k]] = office[k];
  });
  return v;
}

/**
 * 表单的起始值：修改未完成的登记时为其字段；新的修改申请从当前信息开始（AR-5）；新登记为空。
 * resumed：登录失效前暂存的输入，优先。
 */
function startValues(out, record, purpose, resumed) {
  var values = record ? Object.assign({}, record.fields) : (purpose === 'change' && out.current ? Object.assign({}, out.current.fields) : {});
  if (resumed) values = Object.assign(values, resumed);
  return values;
}

/** 表单的按钮（依记录状态）：保存、提交、撤回修改、撤销草稿。 */
function formButtons(record) {
  var status = record ? record.status : 'new';
  var out = [];
  if (status === 'pending') {
    out.push({ key: 'withdraw', label: '撤回修改', cls: 'btn-plain' });
    out.push({ key: 'submit', label: '提交修改', cls: 'btn-primary' });
    return out;
  }
  if (status === 'new' || status === 'draft' || status === 'returned') {
    out.push({ key: 'save', label: '保存', cls: 'btn-plain' });
    out.push({ key: 'submit', label: '提交', cls: 'btn-primary' });
  }
  if (record && record.cancellable) out.push({ key: 'cancel', label: '撤销', cls: 'btn-danger' });
  return out;
}

/** 表单顶部说明。 */
function formNotice(record) {
  if (!record) return '';
  if (record.status === 'pending') return '审核中：审核人员处理前可以修改，提交后重新进入审核；也可以撤回修改。';
  if (record.status === 'returned') return '审核退回' + (record.reason ? '：' + record.reason : '') + '。请修改后重新提交。';
  if (record.status === 'draft') return '草稿，尚未提交审核。';
  return '';
}

// --- 省市区级联（GET /regions） ---------------------------------------------------------------------

var NONE = { code: '', name: '—', value: '' };

/** 列表为空时放一个占位项，选择器每列都有内容。 */
function column(items) { return items && items.length ? items : [NONE]; }

/** 省份列：锁定省份时只有该省（AR-2）。 */
function provinceColumn(items, locked) {
  if (!locked) return column(items);
  return column((items || []).filter(function (p) { return p.code.slice(0, 2) === locked; }));
}

function indexWhere(items, pred) {
  for (var i = 0; i < items.length; i++) if (pred(items[i])) return i;
  return -1;
}

/** 某地区代码在省列中的位置；找不到时 0。 */
function provinceIndex(provinces, code) {
  var i = code ? indexWhere(provinces, function (p) { return p.code.slice(0, 2) === code.slice(0, 2); }) : -1;
  return i < 0 ? 0 : i;
}

/** 某地区代码在市列中的位置（直辖市只有一项）；找不到时 0。 */
function cityIndex(cities, code) {
  if (!code || /0000$/.test(code)) return 0;
  var city = code.slice(0, 4) + '00';
  var i = indexWhere(cities, function (c) { return c.code === city || c.value === code; });
  return i < 0 ? 0 : i;
}

function districtIndex(districts, code) {
  var i = code ? indexWhere(districts, function (d) { return d.value === code; }) : -1;
  return i < 0 ? 0 : i;
}

/** 选中的地区代码：最下一级有值的一项（直辖市的市级一项为省级代码）。 */
function chosenRegion(cols, idx) {
  for (var level = cols.length - 1; level >= 0; level--) {
    var item = cols[level][idx[level] || 0];
    if (item && item.value) return item.value;
  }
  return '';
}

/** 选中的地区名称：北京市 北京市 东城区 → 北京市东城区。 */
function regionName(cols, idx) {
  var names = [];
  cols.forEach(function (col, level) {
    var item = col[idx[level] || 0];
    if (item && item.value && item.name !== names[names.length - 1]) names.push(item.name);
  });
  return names.join('');
}

function regionNames(cols) {
  return cols.map(function (col) { return col.map(function (c) { return c.name; }); });
}

module.exports = {
  MODULES: MODULES,
  BACK_TO_ORIGIN: BACK_TO_ORIGIN,
  PROVINCE_LOCKED: PROVINCE_LOCKED,
  isModule: isModule,
  moduleLabel: moduleLabel,
  kindTitle: kindTitle,
  dispatchView: dispatchView,
  decorateSummary: decorateSummary,
  modulePage: modulePage,
  policyHint: policyHint,
  lockedProvince: lockedProvince,
  buildFields: buildFields,
  valuesOf: valuesOf,
  fieldValue: fieldValue,
  setValues: setValues,
  chooseType: chooseType,
  officeValues: officeValues,
  startValues: startValues,
  formButtons: formButtons,
  formNotice: formNotice,
  column: column,
  provinceColumn: provinceColumn,
  provinceIndex: provinceIndex,
  cityIndex: cityIndex,
  districtIndex: districtIndex,
  chosenRegion: chosenRegion,
  regionName: regionName,
  regionNames: regionNames
};
