"""Documents the platform renders: a Jinja template to PDF with its QR code, stored once, served from storage.

- ``documents.render``: pure (no database, no Flask app) — ``render_html``/``render_pdf`` over
  ``templates/pdf`` (autoescaped, strict undefined), ``html_to_pdf`` through a fetcher that serves
  ``data:`` URIs only, ``qr_data_uri`` for the inline QR code.
- ``documents.pagecodes``: pure — ``stamp_pages`` puts a signed QR code naming the document and page
  in three corners of every page (FS-10), ``read_codes``/``match_page`` read it back from a photo.
- ``documents.assemble``: pure — ``append_pdfs`` joins PDFs page after page.
- ``documents.layout``: table layout helpers the templates share (``grid_rows``, ``chinese_number``).
- ``documents.store``: ``store_pdf`` puts the bytes in storage with a ``StoredFile`` row (SHA-256,
  download name, owner), ``discard`` removes a file whose row was rolled back, ``pdf_download``
  serves a stored PDF as an attachment with its ``X-Content-SHA256``.

What a document says and when it is rendered belongs to its module (the agreement: ``signing``);
this package imports no domain or web package.
"""
