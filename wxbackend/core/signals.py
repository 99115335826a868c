"""Domain signals: how one module reacts to another without importing it (blinker, as Indico does).

Senders call ``signal.send(sender_name, **data)`` inside the transaction that made the change;
receivers run in that same transaction (a rollback undoes what they wrote too), so a reaction
— a confirmation falling away (CF-5), an application closed because the graduate was deleted
(L-7) — is never half applied. Receivers connect from their package's ``init_app``.

===========================  =========================================================  =================
signal                       sent when                                                  data
===========================  =========================================================  =================
``destination_changed``      a graduate's current destination is taken, changes state   graduate_id, kind,
                             or ends (submit, withdraw, review outcome, void, accept,   subject_id, status
                             sign, fail, terminate)
``transfer_info_changed``    archive or hukou info of a graduate is set or voided       graduate_id, module,
                             (ON-10 sync, termination, the modules' own registration)    source_kind, source_id
``basic_info_changed``       basic info is created, edited, synced from 学信网,          graduate_ids, action,
                             imported (one send per import chunk) or deleted (L-7)       actor
``info_reported``            a school's 上报 carried these graduates' new or changed      batch_id,
                             info (RP-1)                                                 graduate_ids
===========================  =========================================================  =================
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

destination_changed = _signals.signal("destination-changed")
transfer_info_changed = _signals.signal("transfer-info-changed")
basic_info_changed = _signals.signal("basic-info-changed")
info_reported = _signals.signal("info-reported")
