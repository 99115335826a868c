/**
 * 纯函数：表单模型、取值、错误映射、状态标签、记录操作。
 * 本文件不调用任何 wx.* 接口，可在 Node 中直接测试（node --test miniprogram/tests/）。
 */

/*
 * 字段的控件（widget）与填写提示（hint）由后端按字段类型统一决定（wxbackend/core/fields.py），
 * 随 GET /destination/kinds、GET /agreements/fields 下发；这里只把后端的控件对应到小程序组件。
 * 后端控件：text、textarea、select、region、date、number、tel、url、postcode、credit_code。
 */
var CONTROLS = { select: 'picker', date: 'date', textarea: 'textarea' };
var INPUT_TYPES = { number: 'number', region: 'number', postcode: 'number' };
var MAX_LENGTHS = { region: 6, postcode: 6 };
var FREE_TEXT = { text: true, textarea: true, url: true };

function isEmpty(v) {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

function str(v) {
  return isEmpty(v) ? '' : String(v);
}

function choiceLabel(choices, code) {
  if (!choices || isEmpty(code)) return '';
  for (var i = 0; i < choices.length; i++) {
    if (String(choices[i].code) === String(code)) return choices[i].label;
  }
  return String(code);
}

function choiceIndex(choices, code) {
  if (!choices || isEmpty(code)) return -1;
  for (var i = 0; i < choices.length; i++) {
    if (String(choices[i].code) === String(code)) return i;
  }
  return -1;
}

/** 一个字段的显示值（代码表选择转名称）。 */
function displayValue(field, value) {
  if (isEmpty(value)) return '';
  if (field.control === 'select') return choiceLabel(field.choices, value);
  return String(value);
}

/**
 * 字段规格（后端的字段字典）+ 当前值 → 页面用的字段对象。
 * control：后端控件；widget：小程序组件（readonly、picker、date、textarea、input）。
 */
function buildField(spec, value) {
  var choices = spec.choices || [];
  var v = str(value);
  var control = spec.widget || 'text';
  var widget = spec.readonly ? 'readonly' : (CONTROLS[control] || 'input');
  var maxlength = MAX_LENGTHS[control] || (FREE_TEXT[control] && spec.max ? spec.max : -1);
  return {
    key: spec.key,
    label: spec.label,
    type: spec.type,
    control: control,
    required: !!spec.required,
    readonly: !!spec.readonly,
    widget: widget,
    inputType: INPUT_TYPES[control] || 'text',
    maxlength: maxlength,
    hint: spec.hint || '',
    choices: choices,
    choiceLabels: choices.map(function (c) { return c.label; }),
    choiceIndex: choiceIndex(choices, v),
    value: v,
    display: displayValue({ control: control, choices: choices }, v),
    error: ''
  };
}

/**
 * 由子类型（GET /destination/kinds 中的一项）建立表单模型。
 * values：已有的字段值（修改时为记录的 fields，出错后为已填写的值）。
 * 只读字段（定向/委培单位等，D-2）一律取 kind.preset 中的值；preset 中没有时沿用 values。
 */
function buildFormModel(kind, values) {
  values = values || {};
  var preset = kind.preset || {};
  var fields = (kind.fields || []).map(function (spec) {
    var v = values[spec.key];
    if (spec.readonly && !isEmpty(preset[spec.key])) v = preset[spec.key];
    return buildField(spec, v);
  });
  var proof = kind.proof || { label: '证明材料', min: 0, max: 9, hint: null };
  return {
    subkind: kind.key,
    label: kind.label,
    groupLabel: kind.group_label || '',
    available: kind.available !== false,
    reason: kind.reason || '',
    proof: {
      label: proof.label,
      min: proof.min || 0,
      max: proof.max || 9,
      hint: proof.hint || '',
      text: proofRequirementText(proof)
    },
    fields: fields
  };
}

/** 把输入改写到字段上（返回新的字段数组，清除该字段的错误）。 */
function setFieldValue(fields, key, value) {
  return fields.map(function (f) {
    if (f.key !== key || f.readonly) return f;
    var copy = Object.assign({}, f);
    if (f.control === 'select' && typeof value === 'number') {
      var c = f.choices[value];
      copy.value = c ? String(c.code) : '';
    } else {
      copy.value = str(value);
    }
    copy.choiceIndex = choiceIndex(f.choices, copy.value);
    copy.display = displayValue(f, copy.value);
    copy.error = '';
    return copy;
  });
}

/**
 * 收集要提交的字段值：空值不提交，只读字段不提交（以学校上传为准），
 * 整数控件（number）的值为整数时转为数字，其余原样（格式由后端校验并逐项说明）。
 */
function collectValues(fields) {
  var out = {};
  fields.forEach(function (f) {
    if (f.readonly) return;
    var v = typeof f.value === 'string' ? f.value.trim() : f.value;
    if (isEmpty(v)) return;
    if (f.control === 'number' && /^-?\d+$/.test(String(v))) v = parseInt(v, 10);
    out[f.key] = v;
  });
  return out;
}

/**
 * 把 API 错误（{code, message, fields}）映射为逐字段信息。
 * "fields.position" → byField.position；其他键（如 file、subkind）与无字段的错误放入 general。
 */
function mapFieldErrors(err) {
  var byField = {};
  var general = [];
  var fields = (err && err.fields) || {};
  Object.keys(fields).forEach(function (k) {
    var m = /^fields\.(.+)$/.exec(k);
    if (m) byField[m[1]] = fields[k];
    else if (k === 'fields') general.push(fields[k]);
    else general.push(fields[k]);
  });
  var message = (err && err.message) || '';
  return { byField: byField, general: general, message: message };
}

/** 把逐字段信息写到字段上（返回新数组；值保持不变，不丢失已填写内容）。 */
function applyErrors(fields, byField) {
  byField = byField || {};
  return fields.map(function (f) {
    var copy = Object.assign({}, f);
    copy.error = byField[f.key] || '';
    return copy;
  });
}

/** 没有对应字段的错误（后端新增字段等），避免信息被吞掉。 */
function unmatchedErrors(fields, byField) {
  var keys = {};
  fields.forEach(function (f) { keys[f.key] = true; });
  return Object.keys(byField || {}).filter(function (k) { return !keys[k]; }).map(function (k) {
    return k + '：' + byField[k];
  });
}

var STATUS_TAGS = {
  draft: { tone: 'grey', color: '#6b7280', background: '#f1f3f5' },
  pending: { tone: 'blue', color: '#1f5fbf', background: '#e8f0fb' },
  returned: { tone: 'orange', color: '#b35c00', background: '#fff3e0' },
  approved: { tone: 'green', color: '#1e7e34', background: '#e6f4ea' },
  rejected: { tone: 'red', color: '#c62828', background: '#fdecea' },
  voided: { tone: 'grey', color: '#6b7280', background: '#f1f3f5' }
};

/** 状态 → 标签颜色（tone 对应 app.wxss 中的 .tag-<tone>）。 */
function statusTag(status) {
  return STATUS_TAGS[status] || STATUS_TAGS.draft;
}

var ACTION_LABELS = {
  edit: '修改',
  submit: '提交审核',
  withdraw: '撤回修改',
  void: '作废'
};

var ACTION_CONFIRMS = {
  withdraw: '撤回后记录回到可修改状态，不再是当前毕业去向。确定撤回吗？',
  void: '作废后该登记不再是你的毕业去向，且不能恢复。确定作废吗？',
  submit: '提交后将进入审核，审核人员处理前可以撤回。确定提交吗？'
};

/** 记录是否允许某操作（依据记录的 actions）。 */
function canDo(record, action) {
  return !!(record && record.actions && record.actions[action] === true);
}

/** 记录当前可用的操作按钮，顺序固定。 */
function recordActions(record) {
  return ['edit', 'submit', 'withdraw', 'void'].filter(function (a) { return canDo(record, a); }).map(function (a) {
    return { key: a, label: ACTION_LABELS[a], confirm: ACTION_CONFIRMS[a] || '', danger: a === 'void' };
  });
}

function pad(n) { return n < 10 ? '0' + n : '' + n; }

/** ISO 时间 → "YYYY-MM-DD HH:mm"（按字符串截取，不受时区影响）。 */
function formatTime(iso) {
  if (!iso) return '';
  var m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/.exec(String(iso));
  return m ? m[1] + ' ' + m[2] : String(iso);
}

/** 最近一次审核结果的说明文字。 */
function decisionText(d) {
  if (!d) return '';
  var s = d.by + d.label;
  if (d.reason) s += '：' + d.reason;
  return s;
}

/** 为列表中的记录补充显示用字段。 */
function decorateRecord(r) {
  var tag = statusTag(r.status);
  return Object.assign({}, r, {
    tagTone: tag.tone,
    decision: decisionText(r.last_decision),
    decisionTone: r.last_decision ? (r.last_decision.action === 'pass' ? 'ok' : 'bad') : '',
    updatedText: formatTime(r.updated_at),
    proofText: '证明材料 ' + (r.proof_count || 0) + (r.proof_min ? ' / 至少 ' + r.proof_min : '') + ' 张'
  });
}

/** 审核历史的显示（修改前 → 修改后）。 */
function decorateHistory(history, labels) {
  labels = labels || {};
  return (history || []).map(function (h) {
    return Object.assign({}, h, {
      atText: formatTime(h.at),
      changes: (h.changes || []).map(function (c) {
        return {
          field: c.field,
          label: labels[c.field] || c.field,
          before: isEmpty(c.before) ? '（空）' : c.before,
          after: isEmpty(c.after) ? '（空）' : c.after
        };
      })
    });
  });
}

function proofRequirementText(p) {
  if (!p) return '';
  var s = p.label || '证明材料';
  if (p.min > 0) s += '：至少 ' + p.min + ' 张，最多 ' + p.max + ' 张';
  else s += '：选填，最多 ' + p.max + ' 张';
  return s;
}

/** 还能再选几张图片。 */
function proofRemaining(count, spec) {
  var max = (spec && spec.max) || 9;
  return Math.max(0, max - (count || 0));
}

/** 某组（入口）下的子类型。 */
function kindsForGroup(kindsOut, group) {
  return ((kindsOut && kindsOut.kinds) || []).filter(function (k) { return k.group === group; }).map(function (k) {
    return Object.assign({}, k, { proofText: proofRequirementText(k.proof) });
  });
}

function findKind(kindsOut, key) {
  var list = (kindsOut && kindsOut.kinds) || [];
  for (var i = 0; i < list.length; i++) if (list[i].key === key) return list[i];
  return null;
}

/** API 基础地址 + 接口返回的路径（如 /api/v1/files/3）→ 完整地址。 */
function absoluteUrl(base, url) {
  if (!url) return '';
  if (/^https?:\/\//.test(url)) return url;
  var origin = (/^(https?:\/\/[^/]+)/.exec(base) || [, ''])[1];
  if (url.charAt(0) === '/') return origin + url;
  return base.replace(/\/+$/, '') + '/' + url;
}

/** 上传前压缩的质量（wx.compressImage，0–100）：证明材料看得清即可，原图动辄数 MB。 */
var COMPRESS_QUALITY = 70;

/**
 * 逐张压缩图片（wx.compressImage），返回压缩后的临时路径；某张压缩失败（或基础库不支持）时用原图。
 */
function compressAll(paths) {
  return Promise.all((paths || []).map(function (src) {
    return new Promise(function (resolve) {
      if (typeof wx === 'undefined' || !wx.compressImage) {
        resolve(src);
        return;
      }
      wx.compressImage({
        src: src,
        quality: COMPRESS_QUALITY,
        success: function (res) { resolve(res.tempFilePath || src); },
        fail: function () { resolve(src); }
      });
    });
  }));
}

module.exports = {
  buildFormModel: buildFormModel,
  buildField: buildField,
  setFieldValue: setFieldValue,
  collectValues: collectValues,
  mapFieldErrors: mapFieldErrors,
  applyErrors: applyErrors,
  unmatchedErrors: unmatchedErrors,
  statusTag: statusTag,
  canDo: canDo,
  recordActions: recordActions,
  formatTime: formatTime,
  decisionText: decisionText,
  decorateRecord: decorateRecord,
  decorateHistory: decorateHistory,
  proofRequirementText: proofRequirementText,
  proofRemaining: proofRemaining,
  kindsForGroup: kindsForGroup,
  findKind: findKind,
  absoluteUrl: absoluteUrl,
  compressAll: compressAll,
  displayValue: displayValue,
  pad: pad
};
