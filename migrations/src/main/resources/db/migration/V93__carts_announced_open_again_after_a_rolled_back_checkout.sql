-- Decision 103: a checkout that announced its cart checked out (decision 94) and then rolled back (it lost the race
-- for the last units) announces the cart as it now is, open again, so every node refuses its next checkout from
-- memory once the variant is sold out. The cart's row is read FOR SHARE first: a later checkout that has marked the
-- cart is waited for (and its cart, checked out by then, is not announced), and a later checkout's mark waits for
-- this announcement's commit, so its own "forget it" comes after it in the queue. Never announced as open what is
-- checked out, whatever the order of the two.
CREATE FUNCTION announce_cart_as_it_is(changed uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM cart WHERE id = changed FOR SHARE;
    PERFORM announce_cart(changed); -- a statement of its own: it reads what was committed once the lock was had
END
$$;
