"""A client library for accessing Faraday webhook endpoints"""
