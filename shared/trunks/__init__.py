"""Trunk provisioning: the trunk groups a policy declares for byoc-sync to build, on both
sides — desired state, pure plan, ordered apply, secrets and ownership."""
