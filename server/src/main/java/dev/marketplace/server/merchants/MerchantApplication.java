package dev.marketplace.server.merchants;

import dev.marketplace.server.platform.money.Money;
import java.util.UUID;

/** What a company states when it applies to become a merchant. */
public record MerchantApplication(String legalName,
                                  Merchant.Contact contact,
                                  Merchant.Address address,
                                  int yearsInBusiness,
                                  UUID categoryId,
                                  String planCode,
                                  Money deposit) {
}
