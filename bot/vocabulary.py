"""Word lists for redaction (`bot.redaction`), reviewed by hand and never learned from visitors'
messages (the example files hold first names, towns, medications and conditions).

`COMMON_WORDS`: everyday words of questions to a clinic (visits, costs, time, feelings, common
verbs) that a kept question may contain besides the knowledge's own words. None is a first
name, a place, a health condition or a medication; words that are also first names ("will",
"hope", "grace", "mark", "bill") are left out on purpose: a question holding one is kept as
topic words only.

`MEDICATION`: medication names (generic and brand, psychiatric and common others) and classes,
never kept. `DOSE`: an amount of medicine ("40mg", "300 three times a day").
"""

from __future__ import annotations

import re

COMMON_WORDS = frozenset(
    """
    able about accept accepted accepting access actually add address adult adults advance
    afford affordable afraid after afterward afterwards again against ahead all allowed alone
    along already also always am amount another answer answers anxious any anybody anyone
    anything anyway anywhere apart appointment appointments approved area arrive arrival ask
    asked asking available average avoid awake aware away bad basically bath bathroom bed
    before begin beginning behind believe best better between big billed billing blanket
    book booked booking bring brought bus busy buy call called calling calm came can cancel
    cancellation cancelled card care careful carry cash cause caused certain chair chance change
    changed charge charged charges cheap cheaper check choose chosen clean clear clinic clinics
    close closed clothes code coffee cold come comes coming comfortable common company complete
    confused consult consultation contact continue copay cost costs could count cover coverage
    covered covers cry crying current currently cut daily dangerous dark date day days deal
    decide deductible definitely deposit describe did different difficult discount discounts
    do does doing done door down dress drink drinking drive driven driver driving drop during
    each early easy eat eating effect effects either else email end english enough entire
    especially even evening ever every everyone everything exactly example expect expected
    expensive experience explain extra eyes face fair far fast fax fee fees feel feeling
    feelings fill find fine finish first five fix follow food form forms free friday friendly
    from front full fun further get gets getting give given go goes going gone good got group
    guess half happen happened happens happy hard hate have head hear heard help helped helpful
    helps here high hold home hour hours house how however hungry idea important in include
    included includes including info information inside instead insurance insured interested
    interesting into involve involved it item itemized just keep kind know knows last late
    later leave less let letter level life light like likely line list listen little live local
    location long longer look looking lose lot loud love low lunch made mail main make makes
    many maybe mean means meet meeting message might mind minute minutes miss monday money
    month monthly months more morning most move much music must name near nearby need needed
    needle needs nervous network never new next nice night no noise none normal not note
    nothing notice now number nurse nurses offer offered office often okay old once online only
    open option options order other others out outside over own paid pain paperwork park
    parking part pay paying payment payments people per person personal phone pick place plan
    plans please pocket point policy portal possible prepare prepared pretty price prices
    private probably problem process program provide provided question questions quick quickly
    quiet rate rather reach read ready real really reason receipt receive recommend records
    referral refund relax relaxed remember remote reply request required reschedule rest result
    results return ride right room run safe safely said same saturday say saying scared
    schedule scheduled screen second see seem seen send sent session sessions set several
    share short should show sick side sign simple since sit sitting sleep slow small so
    someone something sometimes soon sorry sound speak special spend spot staff start started
    starting stay step still stop stopped stuff submit sunday support supposed sure take taken
    takes taking talk talking team tell text than thank thanks that then there they thing
    things think thinking thursday time times tired today together told tomorrow too total
    touch travel tried true try trying tuesday turn type typical typically under understand
    until up upfront use used usual usually visit visits wait waiting waitlist walk want wanted
    wants warm watch water way wear wednesday week weekend weekends weekly weeks well went were
    what when where whether which while who whole why wifi window with without wonder wondering
    work works worried worry worth would write written wrong year years yes yet you young
    """.split()  # noqa: SIM905  (a word list reads best as words, not a list of strings)
)

MEDICATION = (
    r"(?:spravato|esketamine|sertraline|zoloft|fluoxetine|prozac|paroxetine|paxil|citalopram|celexa|escitalopram|"
    r"lexapro|venlafaxine|effexor|desvenlafaxine|pristiq|duloxetine|cymbalta|bupropion|"
    r"wellbutrin|mirtazapine|remeron|trazodone|vilazodone|viibryd|vortioxetine|trintellix|"
    r"amitriptyline|elavil|nortriptyline|pamelor|imipramine|clomipramine|anafranil|doxepin|"
    r"phenelzine|nardil|tranylcypromine|parnate|selegiline|emsam|lithium|lamotrigine|lamictal|"
    r"valproate|valproic|depakote|divalproex|carbamazepine|tegretol|oxcarbazepine|trileptal|"
    r"topiramate|topamax|gabapentin|neurontin|pregabalin|lyrica|quetiapine|seroquel|"
    r"aripiprazole|abilify|brexpiprazole|rexulti|olanzapine|zyprexa|risperidone|risperdal|"
    r"ziprasidone|geodon|lurasidone|latuda|cariprazine|vraylar|clozapine|clozaril|haloperidol|"
    r"haldol|lumateperone|caplyta|alprazolam|xanax|clonazepam|klonopin|lorazepam|ativan|"
    r"diazepam|valium|temazepam|restoril|zolpidem|ambien|eszopiclone|lunesta|buspirone|buspar|"
    r"hydroxyzine|vistaril|atarax|propranolol|inderal|clonidine|guanfacine|intuniv|prazosin|"
    r"adderall|amphetamines?|dextroamphetamine|vyvanse|lisdexamfetamine|methylphenidate|"
    r"ritalin|concerta|focalin|modafinil|provigil|armodafinil|nuvigil|suboxone|buprenorphine|"
    r"subutex|sublocade|methadone|naltrexone|vivitrol|naloxone|narcan|oxycodone|oxycontin|"
    r"percocet|hydrocodone|vicodin|norco|tramadol|ultram|fentanyl|morphine|codeine|dilaudid|"
    r"hydromorphone|tapentadol|nucynta|tylenol|acetaminophen|ibuprofen|advil|motrin|naproxen|"
    r"aleve|aspirin|metformin|insulin|ozempic|semaglutide|wegovy|mounjaro|tirzepatide|"
    r"zepbound|levothyroxine|synthroid|lisinopril|losartan|amlodipine|metoprolol|atenolol|"
    r"hydrochlorothiazide|warfarin|coumadin|eliquis|apixaban|xarelto|rivaroxaban|plavix|"
    r"clopidogrel|atorvastatin|lipitor|simvastatin|rosuvastatin|crestor|prednisone|"
    r"prednisolone|methotrexate|humira|adalimumab|sumatriptan|imitrex|nurtec|ubrelvy|aimovig|"
    r"emgality|botox|montelukast|singulair|albuterol|cetirizine|zyrtec|loratadine|claritin|"
    r"benadryl|diphenhydramine|melatonin|estradiol|spironolactone|finasteride|sildenafil|"
    r"viagra|cialis|tadalafil|omeprazole|prilosec|pantoprazole|famotidine|pepcid|ondansetron|"
    r"zofran|antabuse|disulfiram|acamprosate|chantix|varenicline|ketorolac|toradol|"
    r"cyclobenzaprine|flexeril|baclofen|tizanidine|zanaflex|meloxicam|celebrex|celecoxib|"
    r"ssris?|snris?|maois?|tcas?|benzos?|benzodiazepines?|antidepressants?|antipsychotics?|"
    r"stimulants?|opioids?|opiates?|painkillers?|pain\s+killers?|mood\s+stabili[sz]ers?|"
    r"sleeping\s+pills?|birth\s+control|blood\s+thinners?|anti[\s\-]?anxiety\s+meds?)"
)
DOSE = (
    r"(?:\d+(?:\.\d+)?\s*(?:mg|mgs|mcg|µg|ug|ml|cc|iu|units?|milligrams?|micrograms?|"
    r"milliliters?|tabs?|tablets?|capsules?|caps?|pills?|puffs?)\b"
    r"(?:\s*/\s*(?:kg|day|d|dose))?"
    r"(?:\s+(?:once|twice|three\s+times|four\s+times|\d+\s*(?:x|times))\s+(?:a|per|each)\s+"
    r"(?:day|night|week)|\s+(?:daily|nightly|weekly|bid|tid|qid|qd|prn|at\s+night|"
    r"in\s+the\s+(?:morning|evening)))?)"
)
MEDICATION_WORD = re.compile(MEDICATION, re.IGNORECASE)
