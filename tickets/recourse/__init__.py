"""Compensation (先行赔付), recourse claims (追偿), party ledgers and the recourse sweep."""
