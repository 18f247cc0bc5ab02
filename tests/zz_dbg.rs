use bisum::checks::{disagree, ground, statements::Features};
#[test]
fn dbg() {
    let a = "The health ministry said on Thursday that a catch-up vaccination campaign would start in Brittany's schools on May 11.";
    let b = "The Ministry of Health announced on Thursday that a vaccination catch-up campaign will begin in the four Brittany departments from May 4.";
    let (fa, fb) = (Features::of(a), Features::of(b));
    eprintln!("A {:?}\nB {:?}", fa, fb);
    eprintln!(
        "shared {} same_event {} says_what {}",
        fa.shared(&fb),
        fa.same_event(&fb),
        fa.says_what(&fb)
    );
    eprintln!("facts a {:?}", ground::facts(a));
    eprintln!("facts b {:?}", ground::facts(b));
}
