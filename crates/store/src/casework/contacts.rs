//! A case's contacts, attachments and services given.

use super::*;

impl Store {
    // ---------------- contacts, attachments, services ----------------

    pub async fn add_contact(
        &self,
        actor: &Actor,
        by: &Principal,
        case_id: &str,
        ct: &Contact,
    ) -> Result<ContactRow> {
        let mut tx = self.begin_write().await?;
        let c = case_for_edit(tx.conn(), by, case_id).await?;
        let id = new_id();
        Sql::new("INSERT INTO case_contacts (id, case_id, kind, contact_on, duration_minutes, participants, narrative, recorded_by, recorded_at) VALUES (")
            .bind(id.clone()).push(", ")
            .bind(case_id.to_owned()).push(", ")
            .bind(ct.kind.as_str().to_owned()).push(", ")
            .bind(ct.date.clone()).push(", ")
            .bind(ct.duration_minutes).push(", ")
            .bind(ct.participants.clone()).push(", ")
            .bind(ct.narrative.clone()).push(", ")
            .bind(actor.username.clone()).push(", ")
            .bind(clock::now()).push(")")
            .execute(tx.conn())
            .await?;
        Sql::new("UPDATE cases SET last_contact_on = ")
            .bind(ct.date.clone())
            .push(" WHERE id = ")
            .bind(case_id.to_owned())
            .push(" AND (last_contact_on IS NULL OR last_contact_on < ")
            .bind(ct.date.clone())
            .push(")")
            .execute(tx.conn())
            .await?;
        // The narrative is not audited: the audit log is read across the area.
        append(
            tx.conn(),
            &audit_case(actor, "case.contact", &c)
                .details(serde_json::json!({ "kind": ct.kind.as_str() })),
        )
        .await?;
        let row: ContactRow = Sql::new(&format!("{CONTACT_SELECT} WHERE id = "))
            .bind(id)
            .fetch_one(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Attaches a photo or a document (JPEG, PNG, WebP, PDF, at most 5 MiB,
    /// recognised by content), encrypted with the installation's key.
    pub async fn add_attachment(
        &self,
        actor: &Actor,
        by: &Principal,
        case_id: &str,
        contact_id: Option<&str>,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<AttachmentRow> {
        let media_type =
            attachment_type(bytes).map_err(|code| ValidationErrors::single("file", code))?;
        let keys = self
            .keyring()
            .map_err(|_| ValidationErrors::single("file", "err-no-encryption-key"))?;
        let mut tx = self.begin_write().await?;
        let c = case_for_edit(tx.conn(), by, case_id).await?;
        if let Some(ct) = contact_id {
            let hit: Option<(i64,)> = Sql::new("SELECT 1 FROM case_contacts WHERE id = ")
                .bind(ct.to_owned())
                .push(" AND case_id = ")
                .bind(case_id.to_owned())
                .fetch_optional(tx.conn())
                .await?;
            if hit.is_none() {
                return Err(ValidationErrors::single("contact_id", "err-not-found").into());
            }
        }
        let id = new_id();
        let sealed = keys
            .encrypt_bytes(&format!("attachment/{id}"), bytes)
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let name = attachment_name(file_name, media_type);
        Sql::new("INSERT INTO case_attachments (id, case_id, contact_id, file_name, media_type, size_bytes, ciphertext, key_id, uploaded_by, uploaded_at) VALUES (")
            .bind(id.clone()).push(", ")
            .bind(case_id.to_owned()).push(", ")
            .bind(contact_id.map(str::to_owned)).push(", ")
            .bind(name).push(", ")
            .bind(media_type.to_owned()).push(", ")
            .bind(bytes.len() as i64).push(", ")
            .bind(sealed).push(", ")
            .bind(keys.active_id().to_owned()).push(", ")
            .bind(actor.username.clone()).push(", ")
            .bind(clock::now()).push(")")
            .execute(tx.conn())
            .await?;
        append(
            tx.conn(),
            &audit_case(actor, "case.attachment_add", &c)
                .details(serde_json::json!({ "attachment": id, "media_type": media_type })),
        )
        .await?;
        let row = attachment_in(tx.conn(), case_id, &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// An attachment's bytes, decrypted; the reading is audited.
    pub async fn attachment(
        &self,
        actor: &Actor,
        by: &Principal,
        case_id: &str,
        attachment_id: &str,
    ) -> Result<(AttachmentRow, Vec<u8>)> {
        let mut conn = self.acquire().await?;
        let c = case_in(&mut conn, &by.grants(Action::ViewCases), case_id).await?;
        let row = attachment_in(&mut conn, case_id, attachment_id).await?;
        let (sealed,): (String,) = Sql::new("SELECT ciphertext FROM case_attachments WHERE id = ")
            .bind(attachment_id.to_owned())
            .fetch_one(&mut *conn)
            .await?;
        drop(conn);
        let keys = self
            .keyring()
            .map_err(|_| StoreError::Other("no encryption key".into()))?;
        let bytes = keys
            .decrypt_bytes(&format!("attachment/{attachment_id}"), &sealed)
            .map_err(|e| StoreError::Other(e.to_string()))?;
        self.audit(
            &audit_case(actor, "case.attachment_view", &c)
                .details(serde_json::json!({ "attachment": attachment_id })),
        )
        .await?;
        Ok((row, bytes))
    }

    pub async fn add_service(
        &self,
        actor: &Actor,
        by: &Principal,
        case_id: &str,
        s: &Service,
    ) -> Result<ServiceRow> {
        let mut tx = self.begin_write().await?;
        let c = case_for_edit(tx.conn(), by, case_id).await?;
        let id = new_id();
        Sql::new("INSERT INTO case_services (id, case_id, kind, service_on, quantity, note, recorded_by, recorded_at) VALUES (")
            .bind(id.clone()).push(", ")
            .bind(case_id.to_owned()).push(", ")
            .bind(s.kind.as_str().to_owned()).push(", ")
            .bind(s.date.clone()).push(", ")
            .bind(s.quantity).push(", ")
            .bind(s.note.clone()).push(", ")
            .bind(actor.username.clone()).push(", ")
            .bind(clock::now()).push(")")
            .execute(tx.conn())
            .await?;
        append(
            tx.conn(),
            &audit_case(actor, "case.service", &c)
                .details(serde_json::json!({ "kind": s.kind.as_str() })),
        )
        .await?;
        let row: ServiceRow = Sql::new(&format!("{SERVICE_SELECT} WHERE id = "))
            .bind(id)
            .fetch_one(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(row)
    }
}
