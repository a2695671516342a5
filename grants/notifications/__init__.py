"""Notifications: an email outbox sent through SMTP, and in-app notices."""
