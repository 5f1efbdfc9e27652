/** Small hand-written FR/EN news snippets for tagging tests (no shared data needed). */
export interface Snippet {
  section: string;
  topic: string;
  lang: 'fr' | 'en';
  title: string;
  text: string;
}

export const SNIPPETS: Snippet[] = [
  { section: 'Sport', topic: 'sport', lang: 'fr', title: 'Le PSG remporte la finale', text: "L'équipe a gagné le match de football contre Lyon, deux buts à zéro, devant un stade plein. L'entraîneur salue ses joueurs." },
  { section: 'Sport', topic: 'sport', lang: 'fr', title: 'Rugby : victoire du XV de France', text: "Le XV de France a battu l'Irlande lors du tournoi. Les joueurs ont marqué trois essais et le sélectionneur se réjouit de cette victoire." },
  { section: 'Sport', topic: 'sport', lang: 'fr', title: 'Tennis : la joueuse qualifiée', text: 'La joueuse française se qualifie pour la finale du tournoi après un match en trois sets. Son entraîneur parle de sa saison.' },
  { section: 'Sport', topic: 'sport', lang: 'en', title: 'United win the cup final', text: 'The team won the football match against City, the striker scored two goals in the final and the coach praised the players.' },
  { section: 'Sport', topic: 'sport', lang: 'en', title: 'England beat Wales at rugby', text: 'England beat Wales in the championship, scoring three tries. The players and the coach celebrated the victory in front of the fans.' },
  { section: 'Sport', topic: 'sport', lang: 'en', title: 'Tennis star reaches final', text: 'The tennis player reached the final of the tournament after a three-set match, her coach said the season had been a success.' },
  { section: 'Économie', topic: 'economie', lang: 'fr', title: 'La Bourse de Paris recule', text: "Les marchés financiers craignent l'inflation et la hausse des taux d'intérêt. Les actions des banques reculent, les investisseurs s'inquiètent." },
  { section: 'Économie', topic: 'economie', lang: 'fr', title: "L'entreprise affiche des bénéfices", text: "Le groupe annonce des bénéfices en hausse, un chiffre d'affaires record et un plan d'investissement. Ses actions progressent en Bourse." },
  { section: 'Économie', topic: 'economie', lang: 'fr', title: 'Le chômage baisse', text: "Le taux de chômage recule, les entreprises embauchent et la croissance de l'économie accélère selon les économistes." },
  { section: 'Business', topic: 'economie', lang: 'en', title: 'Shares fall as inflation rises', text: 'Shares fell on the stock market as inflation and interest rates rose. Investors sold bank stocks and the markets ended lower.' },
  { section: 'Business', topic: 'economie', lang: 'en', title: 'Company reports record profits', text: 'The company reported record profits and higher sales, announcing new investment. Its shares rose on the stock market.' },
  { section: 'Business', topic: 'economie', lang: 'en', title: 'Unemployment falls', text: 'Unemployment fell as companies hired more workers and economic growth picked up, economists said.' },
  { section: 'Santé', topic: 'sante', lang: 'fr', title: 'Les hôpitaux débordés', text: "Les hôpitaux manquent de médecins et d'infirmières, les patients attendent des heures aux urgences pour recevoir des soins." },
  { section: 'Santé', topic: 'sante', lang: 'fr', title: 'Un nouveau vaccin autorisé', text: 'Les autorités de santé autorisent un nouveau vaccin contre le virus. Les médecins recommandent la vaccination des patients fragiles.' },
  { section: 'Santé', topic: 'sante', lang: 'fr', title: 'Cancer : un traitement prometteur', text: 'Un traitement contre le cancer donne des résultats chez les patients, selon les médecins de l’hôpital qui mènent l’essai clinique.' },
  { section: 'Health', topic: 'sante', lang: 'en', title: 'Hospitals under pressure', text: 'Hospitals lack doctors and nurses, patients wait for hours in emergency departments to receive care and treatment.' },
  { section: 'Health', topic: 'sante', lang: 'en', title: 'New vaccine approved', text: 'Health authorities approved a new vaccine against the virus. Doctors recommend vaccination for vulnerable patients.' },
  { section: 'Health', topic: 'sante', lang: 'en', title: 'Cancer treatment shows promise', text: 'A cancer treatment showed results in patients, according to the hospital doctors running the clinical trial.' },
];
