/* Small enhancements every page shares (see the convention at the top of site.css).
 * 1. List tables (.table-wrap > table.grid): each cell gets data-label from its column header,
 *    which the phone layout shows in front of the value.
 * 2. File inputs: a Chinese 选择文件 button and the chosen file's name (未选择文件) instead of the
 *    browser's own, often English, "Choose file / No file chosen".
 * 3. Date inputs: a Chinese hint under the field — the calendar to pick from, or the 年-月-日 format
 *    where the browser draws a plain text box.
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
          if (!cell.hasAttribute('data-label') && heads[col]) { cell.setAttribute('data-label', heads[col]); }
          col += parseInt(cell.getAttribute('colspan') || '1', 10);
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

  window.wxEnhance = enhance;  // for pages that add rows or fields after loading
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { enhance(document); });
  } else {
    enhance(document);
  }
}());
