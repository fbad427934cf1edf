"""The customer portal (customer-facing pages): the complaint flow with a one-time code, the
tracking link and the signed-in customer's pages. It calls the tickets and customers services
and reads only through customer-scoped selectors."""
