"""Applications (申报): proposals, their frozen versions, attachments and screening."""
