/**
 * 纯函数：去向登记确认（图40–42）与违反“四不准”行为举报。不调用 wx.*。
 * 数据来自 GET /confirmation（上报的信息、状态、可做的操作、图41 表单的错误类型 error_form）
 * 和 GET /violation-reports（四类行为、字数上限、说明、本人的举报）。
 * 必填与格式由后端校验（400 invalid_fields 的 fields 显示在对应字段下）；这里只计字数、
 * 超过上限时不提交（与后端同样去掉首尾空白后按字符计数）。
 */
var signing = require('./signing.js');

/** 图41 的字段键：错误情况（kinds）、毕业去向的有变化/有错误（destination）、各项情况说明、联系方式。 */
var ERROR_KEYS = ['kinds', 'destination', 'destination_explanation', 'archive_explanation', 'hukou_explanation', 'mobile'];
var VIOLATION_KEYS = ['kinds', 'party', 'description', 'mobile'];

var STATE_TONES = { open: 'blue', awaiting_report: 'orange', confirmed: 'green', error: 'red' };
var STATE_LABELS = { open: '待确认', awaiting_report: '待重新上报', confirmed: '已确认', error: '信息有误' };

function counter(text, max) {
  var count = signing.charCount(String(text || '').trim());
  return { count: count, max: max, over: count > max, text: count + '/' + max };
}

/** 空的图41 表单：毕业去向不选、两项不勾、说明与联系方式为空。 */
function emptyForm() {
  return {
    destination: '', archive: false, hukou: false,
    destination_explanation: '', archive_explanation: '', hukou_explanation: '', mobile: ''
  };
}

/** 某一错误类型是否已选（毕业去向为选了“有变化”或“有错误”）。 */
function chosen(form, key) {
  return key === 'destination' ? !!form.destination : !!form[key];
}

/**
 * 图41 的模型：每个错误类型一项——毕业去向为“有变化 / 有错误”单选，档案、户口为勾选项
 * （“档案转递信息有变化或存在错误”）；选中的项带情况说明与 n/500 计数；错误信息取自 errors。
 */
function errorFormModel(errorForm, form, errors) {
  errorForm = errorForm || { kinds: [], explanation_max: 500 };
  errors = errors || {};
  var max = errorForm.explanation_max || 500;
  var anyOver = false;
  var kinds = (errorForm.kinds || []).map(function (k) {
    var on = chosen(form, k.key);
    var explanationKey = k.key + '_explanation';
    var c = counter(form[explanationKey], max);
    if (on && c.over) anyOver = true;
    return {
      key: k.key,
      label: k.label,
      /** 勾选项的文字（毕业去向用单选，不用） */
      checkLabel: k.label + '有变化或存在错误',
      radio: (k.choices || []).length > 0,
      choices: (k.choices || []).map(function (c2) {
        return { value: c2.value, label: c2.label, selected: form.destination === c2.value };
      }),
      checked: on,
      explanationKey: explanationKey,
      explanationLabel: k.explanation_label,
      explanation: form[explanationKey] || '',
      counterText: c.text,
      over: on && c.over,
      error: errors[k.key] || '',
      explanationError: errors[explanationKey] || ''
    };
  });
  return { kinds: kinds, max: max, anyOver: anyOver, kindsError: errors.kinds || '', mobileError: errors.mobile || '' };
}

/** 点选毕业去向的“有变化 / 有错误”：再点已选的一项即取消（毕业去向信息无误时不选）。 */
function toggleDestination(form, value) {
  return Object.assign({}, form, { destination: form.destination === value ? '' : value });
}

function toggleKind(form, key) {
  var out = Object.assign({}, form);
  out[key] = !form[key];
  return out;
}

/** POST /confirmation/errors 的请求体：只带选中的类型的说明（未选的不提交）。 */
function errorBody(form, reportId) {
  var body = {
    report_id: reportId,
    destination: form.destination || null,
    archive: !!form.archive,
    hukou: !!form.hukou,
    mobile: String(form.mobile || '').trim()
  };
  ['destination', 'archive', 'hukou'].forEach(function (k) {
    if (chosen(form, k)) body[k + '_explanation'] = String(form[k + '_explanation'] || '').trim();
  });
  return body;
}

/** 400 invalid_fields → 逐字段信息（键见 ERROR_KEYS），其他放入 general。 */
function mapErrors(err) { return signing.mapApiFieldErrors(err, ERROR_KEYS); }

/** 已提交的信息有误（图42）：错误类型与说明、联系方式、提交时间。 */
function answerView(answer) {
  if (!answer) return null;
  return {
    label: answer.label,
    atText: String(answer.at || '').slice(0, 16),
    errors: answer.errors || [],
    mobile: answer.mobile || ''
  };
}

/**
 * GET /confirmation → 页面模型。mode：locked（尚未上报等，只显示原因）| open（可确认：单选与图41 表单）
 * | awaiting_report | confirmed | error（可撤销，图42）。
 */
function pageView(out) {
  if (!out || !out.available || !out.report) {
    return { mode: 'locked', reason: (out && (out.reason || out.message)) || '暂不能进行去向登记确认' };
  }
  return {
    mode: out.state,
    stateLabel: STATE_LABELS[out.state] || '',
    stateTone: STATE_TONES[out.state] || 'grey',
    message: out.message || '',
    report: out.report,
    answer: answerView(out.answer),
    canAnswer: !!out.can_answer,
    canRevoke: !!out.can_revoke
  };
}

// --- 违反“四不准”行为举报 -----------------------------------------------------------------------------

function emptyViolation() { return { kinds: [], party: '', description: '', mobile: '' }; }

function toggleViolationKind(form, key) {
  var has = form.kinds.indexOf(key) >= 0;
  return Object.assign({}, form, {
    kinds: has ? form.kinds.filter(function (k) { return k !== key; }) : form.kinds.concat([key])
  });
}

/** 举报表单模型：四类行为（可多选，按接口顺序）、情况说明计数、字段错误。 */
function violationModel(spec, form, errors) {
  spec = spec || { kinds: [], description_max: 500, party_max: 100 };
  errors = errors || {};
  var c = counter(form.description, spec.description_max || 500);
  return {
    kinds: (spec.kinds || []).map(function (k) { return { key: k.key, label: k.label, checked: form.kinds.indexOf(k.key) >= 0 }; }),
    counterText: c.text,
    over: c.over,
    partyMax: spec.party_max || 100,
    errors: {
      kinds: errors.kinds || '', party: errors.party || '', description: errors.description || '', mobile: errors.mobile || ''
    }
  };
}

/** POST /violation-reports 的请求体：未填的选填项不传。 */
function violationBody(form, spec) {
  var order = ((spec && spec.kinds) || []).map(function (k) { return k.key; });
  var body = {
    kinds: order.filter(function (k) { return form.kinds.indexOf(k) >= 0; }),
    description: String(form.description || '').trim()
  };
  var party = String(form.party || '').trim();
  var mobile = String(form.mobile || '').trim();
  if (party) body.party = party;
  if (mobile) body.mobile = mobile;
  return body;
}

function mapViolationErrors(err) { return signing.mapApiFieldErrors(err, VIOLATION_KEYS); }

/** 本人的举报列表。 */
function reportRows(reports) {
  return (reports || []).map(function (r) {
    return {
      id: r.id,
      kindsText: (r.kind_labels || []).join('；'),
      party: r.party || '',
      description: r.description,
      statusLabel: r.status_label,
      tone: r.status === 'handled' ? 'green' : 'blue',
      createdText: String(r.created_at || '').slice(0, 16)
    };
  });
}

module.exports = {
  ERROR_KEYS: ERROR_KEYS,
  VIOLATION_KEYS: VIOLATION_KEYS,
  counter: counter,
  emptyForm: emptyForm,
  errorFormModel: errorFormModel,
  toggleDestination: toggleDestination,
  toggleKind: toggleKind,
  errorBody: errorBody,
  mapErrors: mapErrors,
  pageView: pageView,
  emptyViolation: emptyViolation,
  toggleViolationKind: toggleViolationKind,
  violationModel: violationModel,
  violationBody: violationBody,
  mapViolationErrors: mapViolationErrors,
  reportRows: reportRows
};
