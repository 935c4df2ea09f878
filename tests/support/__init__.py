"""Helpers for tests that need real peers: free loopback ports, polling, mosquitto, the daemon process."""
