package dev.marketplace.server.merchants;

import dev.marketplace.server.platform.contact.EmailAddress;
import dev.marketplace.server.platform.contact.PhoneNumber;
import dev.marketplace.server.platform.contact.PostalAddress;
import dev.marketplace.server.platform.money.Money;
import java.util.UUID;

/**
 * What a company states when it applies to become a merchant. Its contact's e-mail and phone and its address follow
 * the contact value types' rules whoever builds it (decision 30).
 */
public record MerchantApplication(String legalName,
                                  Merchant.Contact contact,
                                  Merchant.Address address,
                                  int yearsInBusiness,
                                  UUID categoryId,
                                  String planCode,
                                  Money deposit) {
    public MerchantApplication {
        new EmailAddress(contact.email());
        new PhoneNumber(contact.phone());
        new PostalAddress(address.country(), address.postalCode(), address.region(), address.locality(),
                address.line1(), address.line2());
    }
}
