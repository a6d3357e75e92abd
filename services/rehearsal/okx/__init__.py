"""The OKX v5 dialect: trading and funding accounts, swap sizes in contracts."""
