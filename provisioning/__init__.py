"""IP phone auto-provisioning: one module per vendor, templates, and the /prov HTTP blueprint."""
