/* Small enhancements every page shares (see the convention at the top of site.css).
 * 1. List tables (.table-wrap > table.grid): each cell gets data-label from its column header,
 *    which the phone layout shows in front of the value.
 * 2. File inputs: a Chinese 选择文件 button and the chosen file's name (未选择文件) instead of the
 *    browser's own, often English, "Choose file / No file chosen".
 * 3. Date inputs: a Chinese hint under the field — the calendar to pick from, or the 年-月-日 format
 *    where the browser draws a plain text box.
 * 4. Behaviour declared in attributes (the pages carry no inline event handlers, which the
 *    Content-Security-Policy forbids):
 *    data-confirm="…" on a form or a submit button asks before submitting; on a form with
 *    data-batch="<selector of its checkboxes>" nothing is submitted while none is checked (the element
 *    named by data-batch-empty is shown instead) and {n} in the question is the number checked;
 *    data-autosubmit on a select submits its form when changed (data-autosubmit="major" first clears
 *    the field named major); data-check-all="<selector>" on a checkbox checks or clears them all;
 *    data-back on a button goes back one page.
 */
(function () {
  'use strict';

  function labelTables(root) {
    root.querySelectorAll('.table-wrap > table.grid:not(.kv)').forEach(function (table) {
      var heads = [];
      table.querySelectorAll('thead tr:first-child > th').forEach(function (th) {
        var span = parseInt(th.getAttribute('colspan') || '1', 10);
        var text = th.getAttribute('data-label') || th.textContent.trim();
        if (!text && th.classList.contains('col-actions')) { text = '操作'; }
        if (!text && th.querySelector('input[type=checkbox]')) { text = '选择'; }
        for (var i = 0; i < span; i++) { heads.push(text); }
      });
      table.querySelectorAll('tbody tr').forEach(function (tr) {
        var col = 0;
        Array.prototype.forEach.call(tr.children, function (cell) {
          var span = parseInt(cell.getAttribute('colspan') || '1', 10);
          // a cell spanning columns (the "no records" row) is text of its own, not one column's value
          if (span === 1 && !cell.hasAttribute('data-label') && heads[col]) { cell.setAttribute('data-label', heads[col]); }
          col += span;
        });
      });
    });
  }

  function filePickers(root) {
    root.querySelectorAll('input[type=file]:not([data-picker])').forEach(function (input) {
      input.setAttribute('data-picker', '1');
      if (!input.id) { input.id = 'file-' + Math.random().toString(36).slice(2, 9); }
      var box = document.createElement('span');
      box.className = 'file-picker';
      var button = document.createElement('label');
      button.className = 'btn btn-light file-picker-button';
      button.htmlFor = input.id;
      button.textContent = input.multiple ? '选择文件（可多选）' : '选择文件';
      var name = document.createElement('span');
      name.className = 'file-picker-name muted';
      name.setAttribute('aria-live', 'polite');
      name.textContent = '未选择文件';
      input.parentNode.insertBefore(box, input);
      box.appendChild(input);
      box.appendChild(button);
      box.appendChild(name);
      input.classList.add('file-picker-input');
      function show() {
        var files = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
        name.textContent = files.length ? files.join('，') : '未选择文件';
        name.title = name.textContent;
      }
      input.addEventListener('change', show);
      var form = input.form;
      if (form) { form.addEventListener('reset', function () { setTimeout(show, 0); }); }
      show();
    });
  }

  function dateHints(root) {
    root.querySelectorAll('input[type=date]:not([data-hinted]), input[data-date]:not([data-hinted])').forEach(function (input) {
      input.setAttribute('data-hinted', '1');
      input.setAttribute('data-date', '1');
      input.title = input.title || '日期格式：年-月-日，例如 2026-07-01';
      var hint = document.createElement('span');
      hint.className = 'date-hint muted';
      hint.id = (input.id || input.name || 'date') + '-format';
      if (input.type === 'date') {
        // the field draws the date in the browser's own language: point at the calendar instead
        hint.textContent = '可点击日历图标选择日期';
      } else {
        // no date picker: the value is typed, in the form the server reads
        input.placeholder = input.placeholder || '年-月-日';
        hint.textContent = '格式：年-月-日，例如 2026-07-01';
      }
      input.insertAdjacentElement('afterend', hint);
      var described = input.getAttribute('aria-describedby');
      input.setAttribute('aria-describedby', (described ? described + ' ' : '') + hint.id);
    });
  }

  function enhance(root) {
    labelTables(root);
    filePickers(root);
    dateHints(root);
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('button[data-confirm], input[type=submit][data-confirm]');
    if (button && !window.confirm(button.getAttribute('data-confirm'))) {
      event.preventDefault();
      return;
    }
    if (event.target.closest && event.target.closest('[data-back]')) { window.history.back(); return; }
    var all = event.target.closest && event.target.closest('input[data-check-all]');
    if (all) {
      document.querySelectorAll(all.getAttribute('data-check-all')).forEach(function (c) { c.checked = all.checked; });
    }
  });

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form.hasAttribute('data-confirm')) { return; }
    var question = form.getAttribute('data-confirm');
    var batch = form.getAttribute('data-batch');
    if (batch) {
      var checked = form.querySelectorAll(batch + ':checked').length;
      var empty = document.getElementById(form.getAttribute('data-batch-empty') || '');
      if (empty) { empty.hidden = checked > 0; }
      if (!checked) { event.preventDefault(); return; }
      question = question.replace('{n}', String(checked));
    }
    if (!window.confirm(question)) { event.preventDefault(); }
  });

  document.addEventListener('change', function (event) {
    var select = event.target;
    if (!select.hasAttribute || !select.hasAttribute('data-autosubmit') || !select.form) { return; }
    var clear = select.getAttribute('data-autosubmit');
    if (clear && select.form.elements[clear]) { select.form.elements[clear].value = ''; }
    select.form.submit();
  });

  window.wxEnhance = enhance;  // for pages that add rows or fields after loading
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { enhance(document); });
  } else {
    enhance(document);
  }
}());
