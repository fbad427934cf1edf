"""The customer archive (客户档案, domain §5): customers, phones, consent, parties, product
models, owned products and their validity, the contact log, import/export and PIPL privacy.
The archive layer depends only on `aftersales` and `standards` (style.md B.1)."""
