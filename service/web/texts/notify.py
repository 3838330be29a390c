"""Texts of the organiser's publication and outbox pages (``/events/{id}/publish``, ``.../outbox``)."""

from __future__ import annotations

ID = {
    "notify_publish_link": "Buka & terbitkan untuk peserta",
    "notify_outbox_link": "Kotak keluar e-mail & WhatsApp",
    "notify_publish_title": "Buka dan terbitkan",
    "notify_publish_intro": "Peserta yang punya akun melihat acara ini setelah dibuka, dan jadwalnya setelah "
    "diterbitkan. Tidak ada jadwal yang dikirim sebelum diterbitkan.",
    "notify_open_heading": "1. Buka untuk peserta",
    "notify_open_text": "Setelah dibuka, peserta melihat rekomendasi mitra dan dapat mengirim permintaan "
    "pertemuan. E-mail tentang permintaan yang tertahan dikirim saat itu.",
    "notify_open_submit": "Buka untuk peserta",
    "notify_opened_at": "Dibuka {when} oleh {who}.",
    "notify_publish_heading": "2. Terbitkan jadwal",
    "notify_publish_text": "Menerbitkan rencana terbaru: setiap akun peserta menerima e-mail berisi "
    "pertemuannya sendiri (jam setempat, meja, mitra) dan tautan ke agendanya.",
    "notify_republish_text": "Rencana {new} lebih baru daripada rencana {old} yang terbit. Menerbitkannya "
    "mengirim e-mail \u201cjadwal Anda berubah\u201d hanya kepada peserta yang pertemuannya berubah.",
    "notify_published_at": "Rencana {n} terbit {when} oleh {who}.",
    "notify_published_current": "Rencana terbaru sudah terbit. Perubahan di konsol hari-H diterbitkan "
    "otomatis dan diberitahukan kepada peserta yang terdampak.",
    "notify_publish_submit": "Terbitkan jadwal (rencana {n})",
    "notify_no_plan": "Acara ini belum punya rencana. Buat rencana dulu di halaman acara.",
    "notify_not_published": "Jadwal belum terbit.",
    "notify_not_opened": "Belum dibuka untuk peserta.",
    "notify_accounts": "{accounts} akun dari {people} peserta acara ini; peserta tanpa akun dihubungi "
    "lewat WhatsApp di kotak keluar.",
    "notify_no_mail_server": "Belum ada server e-mail yang diatur: pesan tetap menunggu di kotak keluar "
    "sampai MATCHING_SMTP_HOST diatur.",
    "notify_mail_server": "Server e-mail: {host}.",
    "flash_notify_opened": "Acara dibuka untuk peserta; {n} e-mail yang tertahan kini dikirim.",
    "flash_notify_published": "Jadwal terbit; {n} e-mail masuk antrean kirim.",
    "flash_notify_same": "Rencana ini sudah terbit; tidak ada e-mail baru.",
    "flash_notify_queued": "Pesan masuk antrean dan segera dikirim.",
    "notify_outbox_title": "Kotak keluar",
    "notify_outbox_intro": "Semua e-mail acara ini, yang terbaru di atas. Pesan yang gagal dicoba lagi "
    "setelah 1, 5, 15 dan 60 menit; setelah 5 kali gagal, kirim ulang dengan tombol "
    "\u201cKirim sekarang\u201d.",
    "notify_counts": "Tertahan {held} · antre {queued} · terkirim {sent} · gagal {failed}",
    "notify_none": "Belum ada pesan untuk acara ini.",
    "notify_col_created": "Dibuat",
    "notify_col_to": "Kepada",
    "notify_col_subject": "Perihal",
    "notify_col_status": "Status",
    "notify_col_tries": "Percobaan",
    "notify_col_error": "Kesalahan terakhir",
    "notify_send_now": "Kirim sekarang",
    "notify_status_held_opened": "menunggu acara dibuka",
    "notify_status_held_published": "menunggu jadwal terbit",
    "notify_status_queued": "dalam antrean",
    "notify_status_retry": "dicoba lagi",
    "notify_status_sending": "sedang dikirim",
    "notify_status_sent": "terkirim",
    "notify_status_failed": "gagal",
    "notify_kind_agenda": "jadwal",
    "notify_kind_change": "perubahan jadwal",
    "notify_kind_request": "permintaan",
    "notify_kind_answer": "jawaban",
    "notify_kind_invitation": "undangan",
    "notify_kind_code": "kode masuk",
    "notify_wa_heading": "WhatsApp untuk peserta tanpa e-mail",
    "notify_wa_intro": "IKM acara ini yang belum punya akun tetapi punya nomor telepon di katalog. Tombol "
    "membuka WhatsApp dengan pesan berisi agenda mereka yang sudah diisi; periksa lalu kirim.",
    "notify_wa_after_publish": "Pesan tersedia setelah jadwal terbit.",
    "notify_wa_send": "Kirim lewat WhatsApp",
    "notify_wa_none": "Semua IKM acara ini punya akun atau tidak punya nomor telepon.",
    "notify_col_participant": "Peserta",
    "notify_col_phone": "Telepon",
}
EN = {
    "notify_publish_link": "Open & publish to participants",
    "notify_outbox_link": "E-mail outbox & WhatsApp",
    "notify_publish_title": "Open and publish",
    "notify_publish_intro": "Participants with an account see this event once it is opened, and their "
    "schedule once it is published. No schedule is sent before it is published.",
    "notify_open_heading": "1. Open to participants",
    "notify_open_text": "Once opened, participants see recommended partners and can send meeting requests. "
    "E-mails about requests that were held go out then.",
    "notify_open_submit": "Open to participants",
    "notify_opened_at": "Opened {when} by {who}.",
    "notify_publish_heading": "2. Publish the schedule",
    "notify_publish_text": "Publishes the newest plan: every participant account gets an e-mail with its own "
    "meetings (local time, table, partner) and the link to its agenda.",
    "notify_republish_text": "Plan {new} is newer than the published plan {old}. Publishing it sends "
    "\u201cyour agenda changed\u201d only to participants whose meetings changed.",
    "notify_published_at": "Plan {n} published {when} by {who}.",
    "notify_published_current": "The newest plan is published. Changes made in the event-day console are "
    "published automatically and told to the participants they affect.",
    "notify_publish_submit": "Publish the schedule (plan {n})",
    "notify_no_plan": "This event has no plan yet. Plan it first on the event page.",
    "notify_not_published": "The schedule is not published yet.",
    "notify_not_opened": "Not open to participants yet.",
    "notify_accounts": "{accounts} accounts of this event's {people} participants; participants without an "
    "account are reached by WhatsApp from the outbox.",
    "notify_no_mail_server": "No mail server configured: messages wait in the outbox until "
    "MATCHING_SMTP_HOST is set.",
    "notify_mail_server": "Mail server: {host}.",
    "flash_notify_opened": "The event is open to participants; {n} held e-mails are now being sent.",
    "flash_notify_published": "Schedule published; {n} e-mails queued to send.",
    "flash_notify_same": "This plan is already published; no new e-mails.",
    "flash_notify_queued": "The message is queued and goes out shortly.",
    "notify_outbox_title": "Outbox",
    "notify_outbox_intro": "Every e-mail of this event, newest first. A failed message is tried again after "
    "1, 5, 15 and 60 minutes; after 5 failures, send it again with \u201cSend now\u201d.",
    "notify_counts": "Held {held} · queued {queued} · sent {sent} · failed {failed}",
    "notify_none": "No messages for this event yet.",
    "notify_col_created": "Created",
    "notify_col_to": "To",
    "notify_col_subject": "Subject",
    "notify_col_status": "Status",
    "notify_col_tries": "Tries",
    "notify_col_error": "Last error",
    "notify_send_now": "Send now",
    "notify_status_held_opened": "waiting for the event to open",
    "notify_status_held_published": "waiting for the schedule",
    "notify_status_queued": "queued",
    "notify_status_retry": "retrying",
    "notify_status_sending": "sending",
    "notify_status_sent": "sent",
    "notify_status_failed": "failed",
    "notify_kind_agenda": "schedule",
    "notify_kind_change": "schedule change",
    "notify_kind_request": "request",
    "notify_kind_answer": "answer",
    "notify_kind_invitation": "invitation",
    "notify_kind_code": "sign-in code",
    "notify_wa_heading": "WhatsApp for participants without e-mail",
    "notify_wa_intro": "This event's IKMs without an account but with a phone number in the catalogue. The "
    "button opens WhatsApp with a message holding their agenda; check it, then send.",
    "notify_wa_after_publish": "The message is ready once the schedule is published.",
    "notify_wa_send": "Send by WhatsApp",
    "notify_wa_none": "Every IKM of this event has an account or no phone number.",
    "notify_col_participant": "Participant",
    "notify_col_phone": "Phone",
}
