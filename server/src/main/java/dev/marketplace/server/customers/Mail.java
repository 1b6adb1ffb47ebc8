package dev.marketplace.server.customers;

/** A message to a customer (plain text; Japanese and English). */
public record Mail(String to, String subject, String body) {
}
