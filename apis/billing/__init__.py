"""The signed Smarty-compatible APIs: Billing (`/billing/api/`), and the signature they share with
the Content and Streaming APIs."""
